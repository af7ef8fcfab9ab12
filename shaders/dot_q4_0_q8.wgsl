// Q4_0 weights against 8-bit activations (quantize_x.wgsl): one unit is one
// block of 32. A word of nibbles holds elements 4j..4j+3 in its low nibbles
// and 16+4j..16+4j+3 in its high ones (dtype_q4_0.wgsl), so the low nibbles
// meet the block's first 16 quants word for word and the high ones the last
// 16 (nibble_dot16, x_q8.wgsl). The weights' "- 8" comes out of the integer
// sum as 8 · (sum of the block's quants), which quantize_x stored with the
// block:
//   Σ d_w (n_i - 8) · d_x q_i = d_w d_x (Σ n_i q_i - 8 Σ q_i).
// `xrow` is unused: the quantized row is the step's only one.

const UNIT: u32 = 32u;

// Block u of the row against activation block x, before the weights'
// scale d (rows4_dot applies d itself).
fn unit_raw_q8(row_word: u32, u: u32, x: XqBlock) -> f32 {
    let nib = w_vec4(row_vec4_at(row_word, u));
    let s = nibble_dot16(nib, x.lo) + nibble_dot16(nib >> vec4<u32>(4u), x.hi);
    let xs = xq_head_scale(x.head);
    return xs.x * (f32(s) - 8.0 * xs.y);
}

fn unit_raw(row_word: u32, u: u32, xrow: u32) -> f32 {
    return unit_raw_q8(row_word, u, xq_one(u));
}

fn unit_dot(row_word: u32, u: u32, xrow: u32) -> f32 {
    return block_scale(row_word, u) * unit_raw(row_word, u, xrow);
}
