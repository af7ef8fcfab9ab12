// Q8_0 for the matrix-vector product: one unit is one block of 32 (layout in
// dtype_q8_0.wgsl): eight words of int8 quants and the scale, read once.

const UNIT: u32 = 32u;

fn unit_dot(row_word: u32, u: u32, xrow: u32) -> f32 {
    let xb = u * UNIT;
    let b = row_word + u * BLOCK_WORDS;
    var s = 0.0;
    for (var j = 0u; j < 8u; j++) {
        s += dot(vec4<f32>(unpack4xI8(w[b + j])), x4(xrow, xb + 4u * j));
    }
    return unpack2x16float(w[b + 8u]).x * s;
}
