// F32 weights: one word per element; rows padded to a multiple of 4 elements.
// load4(row_word, g) returns elements 4g..4g+3 of the row starting at row_word.

@group(0) @binding(1) var<storage, read> w: array<u32>;

// No scales: one run covers any row (scale_of is a placeholder).
const SCALE_GROUPS: u32 = 1048576u;

fn scale_of(row_word: u32, g: u32) -> vec2<f32> {
    return vec2<f32>(1.0, 0.0);
}

fn load4_scaled(row_word: u32, g: u32, s: vec2<f32>) -> vec4<f32> {
    let b = row_word + g * 4u;
    return vec4<f32>(bitcast<f32>(w[b]), bitcast<f32>(w[b + 1u]), bitcast<f32>(w[b + 2u]), bitcast<f32>(w[b + 3u]));
}

fn load4(row_word: u32, g: u32) -> vec4<f32> {
    return load4_scaled(row_word, g, scale_of(row_word, g));
}
