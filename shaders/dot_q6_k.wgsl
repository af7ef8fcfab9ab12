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
    let ql0 = b + 16u * h + select(0u, 8u, k % 2u == 1u);
    let lo_shift = select(0u, 4u, k >= 2u);
    let qh0 = b + 32u + 8u * h;
    var part = vec2<f32>(0.0);
    for (var j = 0u; j < 8u; j++) {
        let lo = (w[ql0 + j] >> lo_shift) & 0x0F0F0F0Fu;
        let hi = (w[qh0 + j] >> (2u * k)) & 0x03030303u;
        let q = vec4<f32>(unpack4xU8(lo | (hi << 4u))) - 32.0;
        let d = dot(q, x4(xrow, xb + 4u * j));
        if (j < 4u) {
            part.x += d;
        } else {
            part.y += d;
        }
    }
    let si = 8u * h + 2u * k;
    let s0 = f32(extractBits(bitcast<i32>(w[b + 48u + si / 4u]), 8u * (si % 4u), 8u));
    let s1 = f32(extractBits(bitcast<i32>(w[b + 48u + (si + 1u) / 4u]), 8u * ((si + 1u) % 4u), 8u));
    return unpack2x16float(w[b + 52u]).x * (s0 * part.x + s1 * part.y);
}
