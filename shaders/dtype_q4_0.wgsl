// Q4_0, repacked at upload row by row: first the row's nibbles, 4 words
// (16 bytes) per block of 32, then its f16 scales d, two per word, padded to
// a multiple of 4 words (scale accessors in row_scales.wgsl), so every
// block's nibbles are one aligned vec4 (the matrix-vector product reads them
// so: dot_q4_0.wgsl) and the row takes 18 bytes per block, as in the file.
// Element i < 16 of a block is the low nibble of byte i, element i >= 16 the
// high nibble of byte i - 16; value = d * (nibble - 8).

const QUANT_WORDS: u32 = 4u;

fn load4_scaled(row_word: u32, g: u32, s: vec2<f32>) -> vec4<f32> {
    let j = g % 8u;
    let shift = select(0u, 4u, j >= 4u);
    let q = (w_word(row_word_at(row_word, (g / 8u) * 4u + j % 4u)) >> shift) & 0x0F0F0F0Fu;
    return s.x * (vec4<f32>(unpack4xU8(q)) - 8.0);
}

// The matrix-matrix product reads a block's nibbles once, as one vec4 (the
// run of SCALE_GROUPS groups that share its scale), and dequantizes group g
// of the run from registers: 1/8 of the word loads of load4_scaled, which
// were 35-40 % of the product's time on lavapipe (BENCHMARKS.md, session 6).
alias Raw = vec4<u32>;
const RAW_RUNS: bool = true;

fn load_raw(row_word: u32, g: u32) -> Raw {
    return w_vec4(row_vec4_at(row_word, g / 8u));
}

fn raw_group(raw: Raw, row_word: u32, g: u32, s: vec2<f32>) -> vec4<f32> {
    let j = g % 8u;
    let q = (raw[j % 4u] >> select(0u, 4u, j >= 4u)) & 0x0F0F0F0Fu;
    return s.x * (vec4<f32>(unpack4xU8(q)) - 8.0);
}
