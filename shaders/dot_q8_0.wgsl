// Q8_0 for the matrix-vector product: one unit is one block of 32 (layout in
// dtype_q8_0.wgsl). The lane reads the block's 32 quants as two vec4s
// through w4 (declared by the dtype snippet), a second view of the weight binding (on lavapipe one 4-word
// load costs about half of four 1-word loads), and its scale through w.

const UNIT: u32 = 32u;

fn unit_dot(row_word: u32, u: u32, xrow: u32) -> f32 {
    let xb = u * UNIT;
    let q0 = w4[row_vec4_at(row_word, 2u * u)];
    let q1 = w4[row_vec4_at(row_word, 2u * u + 1u)];
    var s = 0.0;
    for (var j = 0u; j < 4u; j++) {
        s += dot(vec4<f32>(unpack4xI8(q0[j])), x4(xrow, xb + 4u * j));
        s += dot(vec4<f32>(unpack4xI8(q1[j])), x4(xrow, xb + 16u + 4u * j));
    }
    return block_scale(row_word, u) * s;
}
