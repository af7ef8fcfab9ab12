// Q8_0 weights against 8-bit activations (quantize_x.wgsl): one unit is one
// block of 32, whose two vec4s of int8 quants (dtype_q8_0.wgsl) meet the
// block's two vec4s of activation quants in eight dot4I8Packed; the block's
// integer sum is scaled once by both scales.
// `xrow` is unused: the quantized row is the step's only one.

const UNIT: u32 = 32u;

// Block u of the row against activation block x, before the weights'
// scale d (rows4_dot applies d itself).
fn unit_raw_q8(row_word: u32, u: u32, x: XqBlock) -> f32 {
    let q0 = w_vec4(row_vec4_at(row_word, 2u * u));
    let q1 = w_vec4(row_vec4_at(row_word, 2u * u + 1u));
    var s = 0;
    for (var j = 0u; j < 4u; j++) {
        s += dot4I8Packed(q0[j], x.lo[j]) + dot4I8Packed(q1[j], x.hi[j]);
    }
    return xq_head_scale(x.head).x * f32(s);
}

fn unit_raw(row_word: u32, u: u32, xrow: u32) -> f32 {
    return unit_raw_q8(row_word, u, xq_one(u));
}

fn unit_dot(row_word: u32, u: u32, xrow: u32) -> f32 {
    return block_scale(row_word, u) * unit_raw(row_word, u, xrow);
}
