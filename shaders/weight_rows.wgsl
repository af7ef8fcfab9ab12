// Where a weight row's words are. Rows are laid out one after the other
// (TILE_ROWS = 1: GPUs, and F32 and F16 everywhere), or in tiles of
// TILE_ROWS rows (CPU adapters: the rows a lane-rows matrix-vector
// product's workgroup reads in step, e.g. 8 lanes × 4 rows for Q4_0) in
// which the tile's first vec4 of every row comes first, then the second
// vec4 of every row, and so on. Row after row, those rows are as many short
// streams far apart, which the CPU's prefetcher does not follow (lavapipe:
// a product of weights not in cache took 13-40 % longer than of the same
// weights in cache); in tiles a workgroup's loads of one step are adjacent
// (BENCHMARKS.md, session 10; gpu/tiles.rs uploads them). Row words are a
// multiple of 4 where tiled.
//
// Kernels keep a row handle from row_start() and pass it to the type's
// accessors, which find word i / vec4 v of the row with row_word_at() /
// row_vec4_at(). With TILE_ROWS = 1 these reduce to row · ROW_WORDS + i.

override TILE_ROWS: u32 = 1u;

// The handle of row `row` of the binding: the word of its first element.
fn row_start(row: u32) -> u32 {
    return (row / TILE_ROWS) * TILE_ROWS * ROW_WORDS + (row % TILE_ROWS) * 4u;
}

// Word i of the row whose handle is rs.
fn row_word_at(rs: u32, i: u32) -> u32 {
    return rs + (i / 4u) * 4u * TILE_ROWS + i % 4u;
}

// The vec4 holding words 4v..4v+3 of the row whose handle is rs.
fn row_vec4_at(rs: u32, v: u32) -> u32 {
    return rs / 4u + v * TILE_ROWS;
}
