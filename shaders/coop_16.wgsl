// Cooperative-matrix tiles of 16 × 16 (f16 operands, f32 accumulator).
const S: u32 = 16u;
alias Tile_A = coop_mat16x16<f16, A>;
alias Tile_B = coop_mat16x16<f16, B>;
alias Tile_C = coop_mat16x16<f32, C>;
