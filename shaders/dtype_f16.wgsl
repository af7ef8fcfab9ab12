// F16 weights: two halves per word; rows padded to a multiple of 4 elements.
// unpack2x16float needs no shader-f16 support.

@group(0) @binding(1) var<storage, read> w: array<u32>;

fn load4(row_word: u32, g: u32) -> vec4<f32> {
    let b = row_word + g * 2u;
    return vec4<f32>(unpack2x16float(w[b]), unpack2x16float(w[b + 1u]));
}
