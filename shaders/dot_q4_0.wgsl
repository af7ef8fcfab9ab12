// Q4_0 for the matrix-vector product: one unit is one block of 32 (layout in
// dtype_q4_0.wgsl). The lane reads the block's 16 bytes of nibbles as one
// vec4 through w_vec4 (weights_storage.wgsl or weights_texture.wgsl; on
// lavapipe one 4-word load costs about half of four 1-word loads), and the
// block's scale through w_word; it dequantizes in registers; x[xb..xb+32] is the matching slice
// of the activation row (x4 from the x_*.wgsl snippet).

const UNIT: u32 = 32u;

// Block u of the row before its scale d (rows4_dot applies d itself).
fn unit_raw(row_word: u32, u: u32, xrow: u32) -> f32 {
    let xb = u * UNIT;
    let nib = w_vec4(row_vec4_at(row_word, u));
    let shifts = vec4<u32>(0u, 8u, 16u, 24u);
    var s = 0.0;
    for (var j = 0u; j < 4u; j++) {
        let q = vec4<u32>(nib[j]) >> shifts;
        let lo = vec4<f32>(q & vec4<u32>(15u)) - 8.0;
        let hi = vec4<f32>((q >> vec4<u32>(4u)) & vec4<u32>(15u)) - 8.0;
        s += dot(lo, x4(xrow, xb + 4u * j)) + dot(hi, x4(xrow, xb + 16u + 4u * j));
    }
    return s;
}

fn unit_dot(row_word: u32, u: u32, xrow: u32) -> f32 {
    return block_scale(row_word, u) * unit_raw(row_word, u, xrow);
}
