// Q6_K weights in matmul_q8.wgsl: block u of 32 is quarter q = k % 4 of
// half k / 4 of super-block u / 8 (k = u % 8; dtype_q6_k.wgsl), element l
// (0..31) = ql[64·half + 32·(q % 2) + l] >> 4·(q / 2) & 15, with bits 4-5
// from qh[32·half + l] >> 2q & 3; its first 16 elements take scale
// 8·half + 2q, its last 16 the next one, value = d·sc·(y - 32).
//
// The quants are assembled a byte per element (4 words per half of the
// block), and y - 32 (-32..31) taken into pair words w_a + w_b · 2^16
// (mod 2^32) by one subtraction per word: (bytes 0 and 2) - 0x00200020
// is exactly (y_0 - 32) + (y_2 - 32) · 2^16 mod 2^32. Times the
// activations' x_a · 2^16 + x_b (x_q8.wgsl) each product holds
// w_a x_a + w_b x_b in its high half, as for Q8_0; with |w| ≤ 32 and
// |x| ≤ 127, four such products (8 values) stay below 2^15 in both halves,
// so the 16 values of each half of the block are two extractions.

const X_OFFSET: f32 = 0.0;

// Pair words of elements 0..15 (lo) and 16..31 (hi), and the two halves'
// scales d·sc.
struct WPairs {
    lo_a: vec4<u32>,
    lo_b: vec4<u32>,
    hi_a: vec4<u32>,
    hi_b: vec4<u32>,
    s: vec2<f32>,
}

// A row's 16 scales d·sc of one super-block, four to a vec4.
struct Head {
    s0: vec4<f32>,
    s1: vec4<f32>,
    s2: vec4<f32>,
    s3: vec4<f32>,
}

const HEAD_BLOCKS: u32 = 8u;

fn row_head(rs: u32, g: u32) -> Head {
    let b4 = g * (BLOCK_WORDS / 4u);   // the super-block's first vec4
    let sc = w_vec4(row_vec4_at(rs, b4 + 12u));
    let d = unpack2x16float(w_vec4(row_vec4_at(rs, b4 + 13u)).x).x;
    return Head(d * vec4<f32>(unpack4xI8(sc.x)), d * vec4<f32>(unpack4xI8(sc.y)), d * vec4<f32>(unpack4xI8(sc.z)),
                d * vec4<f32>(unpack4xI8(sc.w)));
}

// The signed pair words of bytes 0,2 / 1,3 of each word (y - 32).
fn q6_pairs02(v: vec4<u32>) -> vec4<u32> {
    return (v & vec4<u32>(0x00FF00FFu)) - vec4<u32>(0x00200020u);
}

fn q6_pairs13(v: vec4<u32>) -> vec4<u32> {
    return ((v >> vec4<u32>(8u)) & vec4<u32>(0x00FF00FFu)) - vec4<u32>(0x00200020u);
}

fn w_pairs(rs: u32, u: u32, h: Head, k: u32) -> WPairs {
    let b4 = (u / 8u) * (BLOCK_WORDS / 4u);
    let half = k / 4u;
    let q = k % 4u;
    let ql = b4 + 4u * half + 2u * (q % 2u);   // ql words 16·half + 8·(q % 2)
    let qh = b4 + 8u + 2u * half;              // qh words 32 + 8·half
    let lo_shift = vec4<u32>(4u * (q / 2u));
    let hi_shift = vec4<u32>(2u * q);
    let m4 = vec4<u32>(0x0F0F0F0Fu);
    let m2 = vec4<u32>(0x03030303u);
    let y0 = ((w_vec4(row_vec4_at(rs, ql)) >> lo_shift) & m4) |
             (((w_vec4(row_vec4_at(rs, qh)) >> hi_shift) & m2) << vec4<u32>(4u));
    let y1 = ((w_vec4(row_vec4_at(rs, ql + 1u)) >> lo_shift) & m4) |
             (((w_vec4(row_vec4_at(rs, qh + 1u)) >> hi_shift) & m2) << vec4<u32>(4u));
    // Scales 8·half + 2q and + 1: components 2(k % 2), +1 of vec4 k / 2.
    let sv = select(select(h.s0, h.s1, k >= 2u), select(h.s2, h.s3, k >= 6u), k >= 4u);
    let s = select(sv.xy, sv.zw, k % 2u == 1u);
    return WPairs(q6_pairs02(y0), q6_pairs13(y0), q6_pairs02(y1), q6_pairs13(y1), s);
}

// The high half of a sum of at most four pair products.
fn pair_high(p: u32) -> i32 {
    return (bitcast<i32>(p) + 32768) >> 16u;
}

// Σ d·sc·(y_i - 32) q_i over the block: each half's integer sum (two
// extractions of 8 values) times its scale.
fn pair_dot(w: WPairs, x: XPairs) -> f32 {
    let lo = w.lo_a * x.lo02 + w.lo_b * x.lo13;
    let hi = w.hi_a * x.hi02 + w.hi_b * x.hi13;
    let sl = pair_high(lo.x + lo.y) + pair_high(lo.z + lo.w);
    let sh = pair_high(hi.x + hi.y) + pair_high(hi.z + hi.w);
    return f32(sl) * w.s.x + f32(sh) * w.s.y;
}

// The scales are in the tile already (pair_dot).
fn block_acc(acc: mat2x4<f32>, h: Head, k: u32, tile: mat2x4<f32>, dsum: mat2x4<f32>) -> mat2x4<f32> {
    return acc + tile;
}
