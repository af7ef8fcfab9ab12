// Q8_0 for the matrix-vector product: one unit is one block of 32 (layout in
// dtype_q8_0.wgsl). The lane reads the block's 32 quants as two vec4s
// through w_vec4 (on lavapipe one 4-word load costs about half of four
// 1-word loads), and its scale through w_word.

const UNIT: u32 = 32u;

// Block u of the row before its scale d (rows4_dot applies d itself).
fn unit_raw(row_word: u32, u: u32, xrow: u32) -> f32 {
    let xb = u * UNIT;
    let q0 = w_vec4(row_vec4_at(row_word, 2u * u));
    let q1 = w_vec4(row_vec4_at(row_word, 2u * u + 1u));
    var s = 0.0;
    for (var j = 0u; j < 4u; j++) {
        s += dot(vec4<f32>(unpack4xI8(q0[j])), x4(xrow, xb + 4u * j));
        s += dot(vec4<f32>(unpack4xI8(q1[j])), x4(xrow, xb + 16u + 4u * j));
    }
    return s;
}

fn unit_dot(row_word: u32, u: u32, xrow: u32) -> f32 {
    return block_scale(row_word, u) * unit_raw(row_word, u, xrow);
}
