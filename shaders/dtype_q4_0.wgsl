// Q4_0, repacked at upload row by row: first the row's nibbles, 4 words
// (16 bytes) per block of 32, then its f16 scales d, two per word, padded to
// a multiple of 4 words, so every block's nibbles are one aligned vec4 (the
// matrix-vector product reads them so: dot_q4_0.wgsl) and the row takes 18
// bytes per block, as in the file. Element i < 16 of a block is the low
// nibble of byte i, element i >= 16 the high nibble of byte i - 16;
// value = d * (nibble - 8). N (the row length) is an override of every
// kernel that includes this.

@group(0) @binding(1) var<storage, read> w: array<u32>;

// The f16 scale of block u of the row starting at word row_word.
fn q4_0_scale(row_word: u32, u: u32) -> f32 {
    let s = unpack2x16float(w[row_word + (N / 32u) * 4u + u / 2u]);
    return select(s.x, s.y, u % 2u == 1u);
}

// One scale per block of 8 groups.
const SCALE_GROUPS: u32 = 8u;

fn scale_of(row_word: u32, g: u32) -> vec2<f32> {
    return vec2<f32>(q4_0_scale(row_word, g / 8u), 0.0);
}

fn load4_scaled(row_word: u32, g: u32, s: vec2<f32>) -> vec4<f32> {
    let j = g % 8u;
    let shift = select(0u, 4u, j >= 4u);
    let q = (w[row_word + (g / 8u) * 4u + j % 4u] >> shift) & 0x0F0F0F0Fu;
    return s.x * (vec4<f32>(unpack4xU8(q)) - 8.0);
}

fn load4(row_word: u32, g: u32) -> vec4<f32> {
    return load4_scaled(row_word, g, scale_of(row_word, g));
}
