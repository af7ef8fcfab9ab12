// F16 weights read as native f16 (the shader-f16 variant): the same layout
// as dtype_f16.wgsl (rows padded to a multiple of 4 elements, so a row is a
// whole number of 8-byte vec4<f16>), typed as vec4<f16> so one load brings
// four weights and the conversion to f32 is exact.

@group(0) @binding(1) var<storage, read> w: array<vec4<f16>>;

fn load4(row_word: u32, g: u32) -> vec4<f32> {
    return vec4<f32>(w[row_word / 2u + g]);
}
