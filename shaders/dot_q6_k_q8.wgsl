// Q6_K weights against 8-bit activations (x_q8.wgsl): one unit is one run
// of 32 outputs of a super-block, as in dot_q6_k.wgsl, which is also
// activation block u. Each 6-bit weight q (0..63, in the low bits of a
// byte) multiplies its activation quant in dot4I8Packed; the "- 32" comes
// out per half of 16, which has its own scale, through the half's quant sum:
//   Σ d sc (q_i - 32) d_x x_i = d d_x sc (Σ q_i x_i - 32 Σ x_i).
// `xrow` is unused: the quantized row is the step's only one.

const UNIT: u32 = 32u;

fn unit_dot(row_word: u32, u: u32, xrow: u32) -> f32 {
    let unit = q6_k_unit(row_word, u);
    let x = xq_one(u);
    let sums = vec2<f32>(bitcast<vec2<i32>>(x.head.zw));   // the halves' quant sums
    var part = vec2<f32>(0.0);
    for (var half = 0u; half < 2u; half++) {
        let ql = w_vec4(unit.ql4 + half * TILE_ROWS);
        let qh = w_vec4(unit.qh4 + half * TILE_ROWS);
        let xw = select(x.lo, x.hi, half == 1u);
        var s = 0;
        for (var j = 0u; j < 4u; j++) {
            s += dot4I8Packed(q6_k_quants(unit, ql, qh, j), xw[j]);
        }
        part[half] = f32(s) - 32.0 * sums[half];
    }
    return xq_head_scale(x.head).x * dot(unit.d, part);
}
