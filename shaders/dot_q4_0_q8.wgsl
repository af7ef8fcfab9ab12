// Q4_0 weights against 8-bit activations (quantize_x.wgsl): one unit is one
// block of 32. A word of nibbles holds elements 4j..4j+3 in its low nibbles
// and 16+4j..16+4j+3 in its high ones (dtype_q4_0.wgsl); masked to bytes,
// they are four non-negative int8s for dot4I8Packed against the matching
// word of quants. The weights' "- 8" comes out of the integer sum as
// 8 · (sum of the block's quants), which quantize_x stored with the block:
//   Σ d_w (n_i - 8) · d_x q_i = d_w d_x (Σ n_i q_i - 8 Σ q_i).
// `xrow` is unused: the quantized row is the step's only one.

const UNIT: u32 = 32u;

// Block u of the row before its scale d (rows4_dot applies d itself).
fn unit_raw(row_word: u32, u: u32, xrow: u32) -> f32 {
    let nib = w_vec4(row_vec4_at(row_word, u));
    let lo = xq_quants(u, 0u);
    let hi = xq_quants(u, 1u);
    var s = 0;
    for (var j = 0u; j < 4u; j++) {
        s += dot4I8Packed(nib[j] & 0x0F0F0F0Fu, lo[j]) + dot4I8Packed((nib[j] >> 4u) & 0x0F0F0F0Fu, hi[j]);
    }
    let xs = xq_scale(u);
    return xs.x * (f32(s) - 8.0 * xs.y);
}

fn unit_dot(row_word: u32, u: u32, xrow: u32) -> f32 {
    return block_scale(row_word, u) * unit_raw(row_word, u, xrow);
}
