// Q8_0, repacked at upload row by row: first the row's int8 quants, 8 words
// (32 bytes) per block of 32, then its f16 scales d, two per word, padded to
// a multiple of 4 words, so every block's quants are two aligned vec4s (the
// matrix-vector product reads them so: dot_q8_0.wgsl) and the row takes 34
// bytes per block, as in the file. value = d * q. N (the row length) is an
// override of every kernel that includes this.

@group(0) @binding(1) var<storage, read> w: array<u32>;

// The f16 scale of block u of the row starting at word row_word.
fn q8_0_scale(row_word: u32, u: u32) -> f32 {
    let s = unpack2x16float(w[row_word + (N / 32u) * 8u + u / 2u]);
    return select(s.x, s.y, u % 2u == 1u);
}

// One scale per block of 8 groups.
const SCALE_GROUPS: u32 = 8u;

fn scale_of(row_word: u32, g: u32) -> vec2<f32> {
    return vec2<f32>(q8_0_scale(row_word, g / 8u), 0.0);
}

fn load4_scaled(row_word: u32, g: u32, s: vec2<f32>) -> vec4<f32> {
    return s.x * vec4<f32>(unpack4xI8(w[row_word + g]));
}

fn load4(row_word: u32, g: u32) -> vec4<f32> {
    return load4_scaled(row_word, g, scale_of(row_word, g));
}
