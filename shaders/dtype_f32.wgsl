// F32 weights: one word per element; rows padded to a multiple of 4 elements.
// load4(row_word, g) returns elements 4g..4g+3 of the row starting at row_word.

@group(0) @binding(1) var<storage, read> w: array<u32>;

const GROUP_PER_BLOCK: u32 = 1u;

fn load4(row_word: u32, g: u32) -> vec4<f32> {
    let b = row_word + g * 4u;
    return vec4<f32>(bitcast<f32>(w[b]), bitcast<f32>(w[b + 1u]), bitcast<f32>(w[b + 2u]), bitcast<f32>(w[b + 3u]));
}
