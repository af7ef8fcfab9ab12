// Q4_0 weights in matmul_q8.wgsl (pair products: tile_nibbles_q8.wgsl): a
// block's 32 nibbles are one vec4 (dtype_q4_0.wgsl), low nibbles for quants
// 0..15, high nibbles for 16..31. The weights' "- 8" is X_OFFSET · d_x · Σq,
// added once per block and token.

const X_OFFSET: f32 = -8.0;

fn w_pairs(rs: u32, u: u32, h: Head, k: u32) -> WPairs {
    let n = w_vec4(row_vec4_at(rs, u));
    return nibble_pairs(n, n >> vec4<u32>(4u));
}
