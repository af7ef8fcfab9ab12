// Q6_K weights against 8-bit activations (x_q8.wgsl): one unit is one half
// of 128 outputs of a super-block (dtype_q6_k.wgsl), i.e. activation blocks
// 4u .. 4u + 3, one per run of 32 (y[32k + l] of the half). Its four runs
// share the half's 64 ql bytes (runs 0 and 2 the low and high nibbles of
// bytes 0..31, runs 1 and 3 of bytes 32..63) and all four its 32 qh bytes
// (bits 2k of each), so the unit reads each of those six vec4s once: a
// unit of one run (as dot_q6_k.wgsl) read ql twice and qh four times over,
// and its scale and d words once per run; on lavapipe every such read is a
// whole texel fetch (BENCHMARKS.md, session 15).
// Each 6-bit weight q (0..63) multiplies its activation quant in
// dot4I8Packed; the "- 32" comes out per half-run of 16, which has its own
// scale, through the activation block's quant sums:
//   Σ d sc (q_i - 32) d_x x_i = d d_x sc (Σ q_i x_i - 32 Σ x_i).
// `xrow` is unused: the quantized row is the step's only one.

const UNIT: u32 = 128u;

fn unit_dot(row_word: u32, u: u32, xrow: u32) -> f32 {
    let b4 = (u / 2u) * (BLOCK_WORDS / 4u);   // the super-block's first vec4 in the row
    let h = u % 2u;
    let l = b4 + 4u * h;                       // the half's ql: 4 vec4s
    let ql0 = w_vec4(row_vec4_at(row_word, l));
    let ql1 = w_vec4(row_vec4_at(row_word, l + 1u));
    let ql2 = w_vec4(row_vec4_at(row_word, l + 2u));
    let ql3 = w_vec4(row_vec4_at(row_word, l + 3u));
    let qh0 = w_vec4(row_vec4_at(row_word, b4 + 8u + 2u * h));   // its qh: 2 vec4s
    let qh1 = w_vec4(row_vec4_at(row_word, b4 + 9u + 2u * h));
    let sc = w_vec4(row_vec4_at(row_word, b4 + 12u));             // the 16 int8 scales
    let d = unpack2x16float(w_word(row_word_at(row_word, 4u * b4 + 52u))).x;
    let s01 = sc[2u * h];        // scales of runs 0 and 1 of this half (two per run)
    let s23 = sc[2u * h + 1u];   // runs 2 and 3
    let x = xq_pair(2u * u);
    let y = xq_pair(2u * u + 1u);
    let t = q6_run(ql0, ql1, qh0, qh1, 0u, 0u, scale_bytes(s01, 0u), x.a) +
            q6_run(ql2, ql3, qh0, qh1, 0u, 2u, scale_bytes(s01, 16u), x.b) +
            q6_run(ql0, ql1, qh0, qh1, 4u, 4u, scale_bytes(s23, 0u), y.a) +
            q6_run(ql2, ql3, qh0, qh1, 4u, 6u, scale_bytes(s23, 16u), y.b);
    return d * t;
}

// The two signed scale bytes of a word at bit `at` (0 or 16).
fn scale_bytes(w: u32, at: u32) -> vec2<f32> {
    return vec2<f32>(f32(extractBits(bitcast<i32>(w), at, 8u)), f32(extractBits(bitcast<i32>(w), at + 8u, 8u)));
}

// One run of 32 outputs against activation block x: the quants' low 4 bits
// from ql words qa (outputs 0..15) and qb (16..31) shifted by `lo`, their
// high 2 bits from qh words qh0 and qh1 shifted by `hi`; sc the scales of
// the two halves of 16. d_x Σ_half sc (Σ q x - 32 Σ x), before the d.
fn q6_run(qa: vec4<u32>, qb: vec4<u32>, qh0: vec4<u32>, qh1: vec4<u32>, lo: u32, hi: u32, sc: vec2<f32>,
          x: XqBlock) -> f32 {
    var s0 = 0;
    var s1 = 0;
    for (var j = 0u; j < 4u; j++) {
        s0 += dot4I8Packed(((qa[j] >> lo) & 0x0F0F0F0Fu) | (((qh0[j] >> hi) & 0x03030303u) << 4u), x.lo[j]);
        s1 += dot4I8Packed(((qb[j] >> lo) & 0x0F0F0F0Fu) | (((qh1[j] >> hi) & 0x03030303u) << 4u), x.hi[j]);
    }
    let sums = vec2<f32>(bitcast<vec2<i32>>(x.head.zw));   // the halves' quant sums
    return xq_head_scale(x.head).x * dot(sc, vec2<f32>(f32(s0), f32(s1)) - 32.0 * sums);
}
