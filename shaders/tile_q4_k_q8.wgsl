// Q4_K weights in matmul_q8.wgsl (pair products: tile_nibbles_q8.wgsl):
// block u of 32 is sub-block s = u % 8 of super-block u / 8
// (dtype_q4_k.wgsl), the low (s even) or high (s odd) nibbles of the 32
// bytes of chunk s / 2, element i in byte i. With the sub-block's scale
// d·sc and min dmin·m (row_head) and a token's block scale d_x and quant
// sum Σq:
//   Σ (d sc n_i - dmin m) d_x q_i = d sc (d_x Σ n_i q_i) - dmin m (d_x Σq),
// so each row adds its two scales times the tile of integer sums and the
// tokens' d_x Σq, which all rows share.

const X_OFFSET: f32 = 0.0;

fn w_pairs(rs: u32, u: u32, h: Head, k: u32) -> WPairs {
    let v = (u / 8u) * (BLOCK_WORDS / 4u) + 1u + 2u * ((u % 8u) / 2u);   // the chunk's first vec4
    let shift = vec4<u32>(4u * (u % 2u));
    return nibble_pairs(w_vec4(row_vec4_at(rs, v)) >> shift, w_vec4(row_vec4_at(rs, v + 1u)) >> shift);
}

// A row's 8 sub-block scales and mins of one super-block (scales_mins,
// dtype_q4_k.wgsl), unpacked once for its 8 blocks.
alias Head = ScalesMins;

const HEAD_BLOCKS: u32 = 8u;

fn row_head(rs: u32, g: u32) -> Head {
    return scales_mins(rs, g * BLOCK_WORDS);
}

// acc + block k of the super-block: scale times the tile of integer sums,
// less min times the tokens' d_x Σq.
fn block_acc(acc: mat2x4<f32>, h: Head, k: u32, tile: mat2x4<f32>, dsum: mat2x4<f32>) -> mat2x4<f32> {
    let sc = select(h.sc_lo[k % 4u], h.sc_hi[k % 4u], k >= 4u);
    let m = select(h.m_lo[k % 4u], h.m_hi[k % 4u], k >= 4u);
    return acc + sc * tile - m * dsum;
}
