// Q8_0, repacked at upload for aligned reads: per block of 32, words 0..7 hold
// the 32 int8 quants, word 8 holds the f16 scale d in its low half.
// value = d * q.

@group(0) @binding(1) var<storage, read> w: array<u32>;

const BLOCK_WORDS: u32 = 9u;

// One scale per block of 8 groups.
const SCALE_GROUPS: u32 = 8u;

fn scale_of(row_word: u32, g: u32) -> vec2<f32> {
    return vec2<f32>(unpack2x16float(w[row_word + (g / 8u) * BLOCK_WORDS + 8u]).x, 0.0);
}

fn load4_scaled(row_word: u32, g: u32, s: vec2<f32>) -> vec4<f32> {
    let b = row_word + (g / 8u) * BLOCK_WORDS;
    return s.x * vec4<f32>(unpack4xI8(w[b + g % 8u]));
}

fn load4(row_word: u32, g: u32) -> vec4<f32> {
    return load4_scaled(row_word, g, scale_of(row_word, g));
}
