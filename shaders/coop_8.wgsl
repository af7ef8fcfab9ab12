// Cooperative-matrix tiles of 8 × 8 (f16 operands, f32 accumulator).
const S: u32 = 8u;
alias Tile_A = coop_mat8x8<f16, A>;
alias Tile_B = coop_mat8x8<f16, B>;
alias Tile_C = coop_mat8x8<f32, C>;
