// Q4_0, repacked at upload: per block of 32, words 0..3 hold the 16 bytes of
// nibbles, word 4 the f16 scale d. Element i < 16 is the low nibble of byte i,
// element i >= 16 the high nibble of byte i - 16; value = d * (nibble - 8).

@group(0) @binding(1) var<storage, read> w: array<u32>;

const BLOCK_WORDS: u32 = 5u;

fn load4(row_word: u32, g: u32) -> vec4<f32> {
    let b = row_word + (g / 8u) * BLOCK_WORDS;
    let j = g % 8u;
    let d = unpack2x16float(w[b + 4u]).x;
    let shift = select(0u, 4u, j >= 4u);
    let q = (w[b + j % 4u] >> shift) & 0x0F0F0F0Fu;
    return d * (vec4<f32>(unpack4xU8(q)) - 8.0);
}
