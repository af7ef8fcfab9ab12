// Block scales in matmul_q8.wgsl for Q4_0 and Q8_0: the f16 scales after a
// row's quants (row_scales.wgsl), padded to whole vec4s, so a group of 8
// blocks' scales is one vec4 load (the padding of a shorter last group
// included).

struct Head {
    lo: vec4<f32>,   // blocks 0..3 of the group
    hi: vec4<f32>,   // blocks 4..7
}

const HEAD_BLOCKS: u32 = 8u;

fn row_head(rs: u32, g: u32) -> Head {
    let v = w_vec4(row_vec4_at(rs, (N / 32u) * QUANT_WORDS / 4u + g));
    return Head(vec4<f32>(unpack2x16float(v.x), unpack2x16float(v.y)),
                vec4<f32>(unpack2x16float(v.z), unpack2x16float(v.w)));
}

// acc + block k of the group: its scale times the tile (d_x Σ w q +
// X_OFFSET d_x Σq per token, the offset inside block_dot already; dsum
// unused).
fn block_acc(acc: mat2x4<f32>, h: Head, k: u32, tile: mat2x4<f32>, dsum: mat2x4<f32>) -> mat2x4<f32> {
    return acc + select(h.lo[k % 4u], h.hi[k % 4u], k >= 4u) * tile;
}
