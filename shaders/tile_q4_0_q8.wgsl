// Q4_0 weights in matmul_q8.wgsl: a block's 32 nibbles (one vec4,
// dtype_q4_0.wgsl) masked into the pair words nibble_dot16 takes
// (x_q8.wgsl): low nibbles meet quants 0..15, high nibbles quants 16..31.
// Eight pair products per sum keep it exact (nibbles ≤ 15, quants within
// ±127), so each half of the block is one sum. The weights' "- 8" is
// X_OFFSET · d · Σq, added once per block.

const X_OFFSET: f32 = -8.0;

// Nibbles 0,2 / 1,3 of each byte pair, for quants 0..15 (lo) and 16..31 (hi).
struct WPairs {
    lo_a: vec4<u32>,
    lo_b: vec4<u32>,
    hi_a: vec4<u32>,
    hi_b: vec4<u32>,
}

fn w_pairs(rs: u32, u: u32) -> WPairs {
    let n = w_vec4(row_vec4_at(rs, u));
    let m = vec4<u32>(0x000F000Fu);
    let h = n >> vec4<u32>(4u);
    return WPairs(n & m, (n >> vec4<u32>(8u)) & m, h & m, (h >> vec4<u32>(8u)) & m);
}

// Σ n_i q_i over the block: two sums of eight pair products.
fn pair_dot(w: WPairs, x: XPairs) -> i32 {
    let lo = w.lo_a * x.lo02 + w.lo_b * x.lo13;
    let hi = w.hi_a * x.hi02 + w.hi_b * x.hi13;
    let sl = (bitcast<i32>(lo.x + lo.y + lo.z + lo.w) + 32768) >> 16u;
    let sh = (bitcast<i32>(hi.x + hi.y + hi.z + hi.w) + 32768) >> 16u;
    return sl + sh;
}
