//! Weight rows in tiles (`shaders/weight_rows.wgsl`): on CPU adapters the
//! block types' rows a lane-rows product's workgroup reads in step are
//! stored vec4 by vec4 side by side, so its loads of one step are adjacent
//! in memory. Decode products read weights not in cache 13-40 % slower in row order
//! on lavapipe (BENCHMARKS.md, session 10). How a matrix is chunked and
//! padded lives here too, for the upload and the memory plan alike.

use super::weights::GpuType;
use super::Gpu;

/// The tile height `gpu` lays `ty`'s rows out in (`Gpu::weight_tiles`,
/// `shaders/weight_rows.wgsl`): the rows a lane-rows product's workgroup
/// reads in step (`kernels::matvec::rows_in_step`), for the block types
/// (Q4_0, Q8_0, Q4_K, Q6_K); else 1 (row after row).
pub fn tile_height(gpu: &Gpu, ty: GpuType) -> usize {
    if gpu.weight_tiles && !matches!(ty, GpuType::F32 | GpuType::F16) {
        crate::kernels::matvec::rows_in_step(gpu, ty)
    } else {
        1
    }
}

/// How a matrix with `row_words` words per row, rows kept in groups of
/// `stride` (interleaved pairs), is laid out in bindings of at most
/// `max_binding` bytes in tiles of `tile` rows: the tile height it gets (1
/// where rows are not whole vec4s, a tile does not fit a binding or does
/// not hold whole groups) and the rows per chunk (whole tiles and whole
/// groups, so pairs never straddle one).
pub(crate) fn chunking(tile: usize, max_binding: u64, row_words: usize, stride: usize) -> (usize, usize) {
    let row_bytes = (row_words * 4).max(1) as u64;
    let fits = row_bytes * tile as u64 <= max_binding;
    let tile = if row_words % 4 == 0 && tile % stride == 0 && fits { tile } else { 1 };
    let group = tile.max(stride);
    (tile, ((max_binding / row_bytes) as usize / group * group).max(group))
}

/// Device bytes of `rows` such rows (see [`chunking`]) in chunks of at most
/// `max_binding` bytes: each chunk padded to whole tiles, and in a texture to
/// whole texture rows (`gpu::storage::chunk_bytes`).
pub(crate) fn uploaded_bytes(
    (tile, max_binding, texture): (usize, u64, bool),
    (rows, row_words): (usize, usize),
    stride: usize,
) -> u64 {
    let (tile, per_chunk) = chunking(tile, max_binding, row_words, stride);
    let row_bytes = (row_words * 4) as u64;
    let padded = |first: usize| (per_chunk.min(rows - first).div_ceil(tile) * tile) as u64 * row_bytes;
    (0..rows).step_by(per_chunk).map(|first| super::storage::chunk_bytes(padded(first), texture)).sum()
}

/// Rows of `row_words` words (a whole number of tiles of `tile` rows, row
/// words a multiple of 4) into the tiled order of `shaders/weight_rows.wgsl`:
/// within a tile, vec4 v of row r goes to vec4 v · tile + r.
pub fn to_tiles(rows: &[u32], row_words: usize, tile: usize, out: &mut [u32]) {
    let tile_words = row_words * tile;
    for (src, dst) in rows.chunks_exact(tile_words).zip(out.chunks_exact_mut(tile_words)) {
        for (r, row) in src.chunks_exact(row_words).enumerate() {
            for (v, word4) in row.chunks_exact(4).enumerate() {
                dst[(v * tile + r) * 4..][..4].copy_from_slice(word4);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_put_each_rows_vec4s_side_by_side() {
        // 4 rows of 8 words (two vec4s each), tiles of 2 rows.
        let rows: Vec<u32> = (0..32).collect();
        let mut out = vec![0; 32];
        to_tiles(&rows, 8, 2, &mut out);
        // Tile 0: vec4 0 of rows 0 and 1, then vec4 1 of rows 0 and 1.
        assert_eq!(&out[..16], &[0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12, 13, 14, 15]);
        assert_eq!(&out[16..20], &[16, 17, 18, 19]);
        // What weight_rows.wgsl reads back: word i of row r at
        // row_start(r) + (i / 4) · 4 · tile + i % 4.
        for r in 0..4 {
            for i in 0..8 {
                let start = (r / 2) * 2 * 8 + (r % 2) * 4;
                assert_eq!(out[start + (i / 4) * 8 + i % 4], rows[r * 8 + i], "row {r} word {i}");
            }
        }
    }

    #[test]
    fn chunks_hold_whole_tiles_and_pairs_and_are_padded() {
        // 96-byte rows (24 words), tiles of 16 rows, pairs: a 4 KiB binding
        // takes 42 rows, so chunks of 32 (two tiles).
        assert_eq!(chunking(16, 4096, 24, 2), (16, 32));
        // 70 rows: chunks of 32, 32 and 6 (padded to 16).
        assert_eq!(uploaded_bytes((16, 4096, false), (70, 24), 2), (32 + 32 + 16) * 96);
        // In textures, each chunk is whole texture rows of 16·k texels
        // (`gpu::storage::texture_shape`): here 192, 192 and 96, no padding.
        assert_eq!(uploaded_bytes((16, 4096, true), (70, 24), 2), (32 + 32 + 16) * 96);
        // Rows of 20 words (5 texels), tiles of 1: 70 rows in one chunk of
        // 350 texels, one row of 352.
        assert_eq!(uploaded_bytes((1, u64::MAX, true), (70, 20), 1), 352 * 16);
        // Rows that are not whole vec4s, or a tile over the binding: row after row.
        assert_eq!(chunking(16, 4096, 23, 1).0, 1);
        assert_eq!(chunking(16, 1024, 24, 1), (1, 10));
        assert_eq!(uploaded_bytes((1, u64::MAX, false), (70, 24), 2), 70 * 96);
    }
}
