// Q6_K for the matrix-vector product: one unit is one run of 32 outputs of a
// super-block (layout in dtype_q6_k.wgsl): unit s is half h = s / 4, quarter
// k = s % 4, i.e. y[32k + l] of that half for l in 0..32, with two scales
// (l < 16 and l >= 16).

const UNIT: u32 = 32u;

fn unit_dot(row_word: u32, u: u32, xrow: u32) -> f32 {
    let xb = u * UNIT;
    let b = row_word + (u / 8u) * BLOCK_WORDS;
    let h = (u % 8u) / 4u;
    let k = u % 4u;
    // The unit's 8 ql and 8 qh words, two aligned vec4s each (w4, declared
    // by dtype_q6_k.wgsl); halves 0 and 1 have one scale each.
    let ql4 = (b + 16u * h + select(0u, 8u, k % 2u == 1u)) / 4u;
    let qh4 = (b + 32u + 8u * h) / 4u;
    let lo_shift = select(0u, 4u, k >= 2u);
    var part = vec2<f32>(0.0);
    for (var half = 0u; half < 2u; half++) {
        let ql = w4[ql4 + half];
        let qh = w4[qh4 + half];
        var d = 0.0;
        for (var j = 0u; j < 4u; j++) {
            let lo = (ql[j] >> lo_shift) & 0x0F0F0F0Fu;
            let hi = (qh[j] >> (2u * k)) & 0x03030303u;
            let q = vec4<f32>(unpack4xU8(lo | (hi << 4u))) - 32.0;
            d += dot(q, x4(xrow, xb + 16u * half + 4u * j));
        }
        part[half] = d;
    }
    let si = 8u * h + 2u * k;   // the two scale bytes are si and si + 1 (si even)
    let sw = w[b + 48u + si / 4u];
    let s0 = f32(extractBits(bitcast<i32>(sw), 8u * (si % 4u), 8u));
    let s1 = f32(extractBits(bitcast<i32>(sw), 8u * (si % 4u) + 8u, 8u));
    return unpack2x16float(w[b + 52u]).x * (s0 * part.x + s1 * part.y);
}
