// Q8_0, repacked at upload row by row: first the row's int8 quants, 8 words
// (32 bytes) per block of 32, then its f16 scales d, two per word, padded to
// a multiple of 4 words (scale accessors in row_scales.wgsl), so every
// block's quants are two aligned vec4s (the matrix-vector product reads them
// so: dot_q8_0.wgsl) and the row takes 34 bytes per block, as in the file.
// value = d * q.

@group(0) @binding(1) var<storage, read> w: array<u32>;

const QUANT_WORDS: u32 = 8u;

fn load4_scaled(row_word: u32, g: u32, s: vec2<f32>) -> vec4<f32> {
    return s.x * vec4<f32>(unpack4xI8(w[row_word + g]));
}
