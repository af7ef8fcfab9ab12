// Q4_0, repacked at upload row by row: first the row's nibbles, 4 words
// (16 bytes) per block of 32, then its f16 scales d, two per word, padded to
// a multiple of 4 words (scale accessors in row_scales.wgsl), so every
// block's nibbles are one aligned vec4 (the matrix-vector product reads them
// so: dot_q4_0.wgsl) and the row takes 18 bytes per block, as in the file.
// Element i < 16 of a block is the low nibble of byte i, element i >= 16 the
// high nibble of byte i - 16; value = d * (nibble - 8).

@group(0) @binding(1) var<storage, read> w: array<u32>;

const QUANT_WORDS: u32 = 4u;

fn load4_scaled(row_word: u32, g: u32, s: vec2<f32>) -> vec4<f32> {
    let j = g % 8u;
    let shift = select(0u, 4u, j >= 4u);
    let q = (w[row_word + (g / 8u) * 4u + j % 4u] >> shift) & 0x0F0F0F0Fu;
    return s.x * (vec4<f32>(unpack4xU8(q)) - 8.0);
}
