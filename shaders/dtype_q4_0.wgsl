// Q4_0, repacked at upload: per block of 32, words 0..3 hold the 16 bytes of
// nibbles, word 4 the f16 scale d. Element i < 16 is the low nibble of byte i,
// element i >= 16 the high nibble of byte i - 16; value = d * (nibble - 8).

@group(0) @binding(1) var<storage, read> w: array<u32>;

const BLOCK_WORDS: u32 = 5u;

// One scale per block of 8 groups.
const SCALE_GROUPS: u32 = 8u;

fn scale_of(row_word: u32, g: u32) -> vec2<f32> {
    return vec2<f32>(unpack2x16float(w[row_word + (g / 8u) * BLOCK_WORDS + 4u]).x, 0.0);
}

fn load4_scaled(row_word: u32, g: u32, s: vec2<f32>) -> vec4<f32> {
    let b = row_word + (g / 8u) * BLOCK_WORDS;
    let j = g % 8u;
    let shift = select(0u, 4u, j >= 4u);
    let q = (w[b + j % 4u] >> shift) & 0x0F0F0F0Fu;
    return s.x * (vec4<f32>(unpack4xU8(q)) - 8.0);
}

fn load4(row_word: u32, g: u32) -> vec4<f32> {
    return load4_scaled(row_word, g, scale_of(row_word, g));
}
