// F16 weights read as native f16 (the shader-f16 variant): the same layout
// as dtype_f16.wgsl (rows padded to a multiple of 4 elements, so a row is a
// whole number of 8-byte vec4<f16>), typed as vec4<f16> so one load brings
// four weights and the conversion to f32 is exact.

@group(0) @binding(1) var<storage, read> w: array<vec4<f16>>;

// No scales: one run covers any row (scale_of is a placeholder).
const SCALE_GROUPS: u32 = 1048576u;

fn scale_of(row_word: u32, g: u32) -> vec2<f32> {
    return vec2<f32>(1.0, 0.0);
}

fn load4_scaled(row_word: u32, g: u32, s: vec2<f32>) -> vec4<f32> {
    return vec4<f32>(w[row_word / 2u + g]);
}

fn load4(row_word: u32, g: u32) -> vec4<f32> {
    return load4_scaled(row_word, g, scale_of(row_word, g));
}
