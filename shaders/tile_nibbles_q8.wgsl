// Nibble weights in matmul_q8.wgsl (Q4_0, Q4_K): a block's 32 nibbles as
// the pair words nibble_dot16 takes (x_q8.wgsl). The type's w_pairs hands
// nibble_pairs the 16 bytes whose low nibbles meet quants 0..15 and the 16
// whose low nibbles meet quants 16..31 (shifted down already where they are
// high nibbles). Eight pair products per sum keep it exact (nibbles ≤ 15,
// quants within ±127), so each half of the block is one sum.

// Nibbles of bytes 0,2 / 1,3 of each word, for quants 0..15 (lo) and 16..31 (hi).
struct WPairs {
    lo_a: vec4<u32>,
    lo_b: vec4<u32>,
    hi_a: vec4<u32>,
    hi_b: vec4<u32>,
}

fn nibble_pairs(lo: vec4<u32>, hi: vec4<u32>) -> WPairs {
    let m = vec4<u32>(0x000F000Fu);
    return WPairs(lo & m, (lo >> vec4<u32>(8u)) & m, hi & m, (hi >> vec4<u32>(8u)) & m);
}

// Σ n_i q_i over the block: two sums of eight pair products.
fn pair_dot(w: WPairs, x: XPairs) -> f32 {
    let lo = w.lo_a * x.lo02 + w.lo_b * x.lo13;
    let hi = w.hi_a * x.hi02 + w.hi_b * x.hi13;
    let sl = (bitcast<i32>(lo.x + lo.y + lo.z + lo.w) + 32768) >> 16u;
    let sh = (bitcast<i32>(hi.x + hi.y + hi.z + hi.w) + 32768) >> 16u;
    return f32(sl + sh);
}
