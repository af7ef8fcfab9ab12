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

// A row's 8 sub-block scales d·sc (0..3, 4..7) and mins dmin·m of one
// super-block, unpacked once for its 8 blocks: the 6-bit values of
// sub-blocks 0..3 are the low 6 bits of scale bytes 0..3 (scales) and 4..7
// (mins); those of 4..7 take their low 4 bits from the nibbles of bytes
// 8..11 and their high 2 from the top bits of bytes 0..3 / 4..7, a byte
// per lane of each word. Unpacking them per block instead took nearly half
// of the product's time (BENCHMARKS.md, session 17).
struct Head {
    sc_lo: vec4<f32>,
    sc_hi: vec4<f32>,
    m_lo: vec4<f32>,
    m_hi: vec4<f32>,
}

const HEAD_BLOCKS: u32 = 8u;

fn row_head(rs: u32, g: u32) -> Head {
    let b = g * BLOCK_WORDS;
    let dm = unpack2x16float(w_word(row_word_at(rs, b)));
    let w1 = w_word(row_word_at(rs, b + 1u));
    let w2 = w_word(row_word_at(rs, b + 2u));
    let w3 = w_word(row_word_at(rs, b + 3u));
    let sc_hi = (w3 & 0x0F0F0F0Fu) | ((w1 >> 2u) & 0x30303030u);
    let m_hi = ((w3 >> 4u) & 0x0F0F0F0Fu) | ((w2 >> 2u) & 0x30303030u);
    let six = 0x3F3F3F3Fu;
    return Head(dm.x * bytes4(w1 & six), dm.x * bytes4(sc_hi), dm.y * bytes4(w2 & six), dm.y * bytes4(m_hi));
}

fn bytes4(w: u32) -> vec4<f32> {
    return vec4<f32>(unpack4xU8(w));
}

// acc + block k of the super-block: scale times the tile of integer sums,
// less min times the tokens' d_x Σq.
fn block_acc(acc: mat2x4<f32>, h: Head, k: u32, tile: mat2x4<f32>, dsum: mat2x4<f32>) -> mat2x4<f32> {
    let sc = select(h.sc_lo[k % 4u], h.sc_hi[k % 4u], k >= 4u);
    let m = select(h.m_lo[k % 4u], h.m_hi[k % 4u], k >= 4u);
    return acc + sc * tile - m * dsum;
}
