// Q8_0, repacked at upload row by row: first the row's int8 quants, 8 words
// (32 bytes) per block of 32, then its f16 scales d, two per word, padded to
// a multiple of 4 words (scale accessors in row_scales.wgsl), so every
// block's quants are two aligned vec4s (the matrix-vector product reads them
// so: dot_q8_0.wgsl) and the row takes 34 bytes per block, as in the file.
// value = d * q.

const QUANT_WORDS: u32 = 8u;

fn load4_scaled(row_word: u32, g: u32, s: vec2<f32>) -> vec4<f32> {
    return s.x * vec4<f32>(unpack4xI8(w_word(row_word_at(row_word, g))));
}

// The matrix-matrix product reads a block's quants once, as two vec4s (the
// run of SCALE_GROUPS groups that share its scale), and takes group g of the
// run from registers (as dtype_q4_0.wgsl).
// (A struct of two vectors, not an array: lavapipe keeps an indexed array
// in memory, which made the product 3× slower.)
struct Raw {
    lo: vec4<u32>,   // groups 0..3 of the run
    hi: vec4<u32>,   // groups 4..7
}
const RAW_RUNS: bool = true;

fn load_raw(row_word: u32, g: u32) -> Raw {
    let v = 2u * (g / 8u);
    return Raw(w_vec4(row_vec4_at(row_word, v)), w_vec4(row_vec4_at(row_word, v + 1u)));
}

fn raw_group(raw: Raw, row_word: u32, g: u32, s: vec2<f32>) -> vec4<f32> {
    let j = g % 8u;
    return s.x * vec4<f32>(unpack4xI8(select(raw.lo[j % 4u], raw.hi[j % 4u], j >= 4u)));
}
