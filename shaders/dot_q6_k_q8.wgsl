// Q6_K weights against 8-bit activations (quantize_x.wgsl): one unit is one
// run of 32 outputs of a super-block, as in dot_q6_k.wgsl, which is also
// activation block u. Each 6-bit weight q (0..63, in the low bits of a
// byte) multiplies its activation quant in dot4I8Packed; the "- 32" comes
// out per half of 16, which has its own scale, through the half's quant sum:
//   Σ d sc (q_i - 32) d_x x_i = d d_x sc (Σ q_i x_i - 32 Σ x_i).
// `xrow` is unused: the quantized row is the step's only one.

const UNIT: u32 = 32u;

fn unit_dot(row_word: u32, u: u32, xrow: u32) -> f32 {
    let b = row_word + (u / 8u) * BLOCK_WORDS;
    let h = (u % 8u) / 4u;
    let k = u % 4u;
    let ql4 = (b + 16u * h + select(0u, 8u, k % 2u == 1u)) / 4u;
    let qh4 = (b + 32u + 8u * h) / 4u;
    let lo_shift = select(0u, 4u, k >= 2u);
    let sums = xq_half_sums(u);
    var part = vec2<f32>(0.0);
    for (var half = 0u; half < 2u; half++) {
        let ql = w4[ql4 + half];
        let qh = w4[qh4 + half];
        let xw = xq_quants(u, half);
        var s = 0;
        for (var j = 0u; j < 4u; j++) {
            let lo = (ql[j] >> lo_shift) & 0x0F0F0F0Fu;
            let hi = (qh[j] >> (2u * k)) & 0x03030303u;
            s += dot4I8Packed(lo | (hi << 4u), xw[j]);
        }
        part[half] = f32(s) - 32.0 * sums[half];
    }
    let si = 8u * h + 2u * k;   // the two scale bytes are si and si + 1 (si even)
    let sw = w[b + 48u + si / 4u];
    let s0 = f32(extractBits(bitcast<i32>(sw), 8u * (si % 4u), 8u));
    let s1 = f32(extractBits(bitcast<i32>(sw), 8u * (si % 4u) + 8u, 8u));
    return unpack2x16float(w[b + 52u]).x * xq_scale(u).x * (s0 * part.x + s1 * part.y);
}
