// Activations (binding 2) as vec4s, for weight types whose rows are whole
// blocks of 32: every row of x starts on a vec4 boundary, so four values
// are one load.

@group(0) @binding(2) var<storage, read> x: array<vec4<f32>>;

// Elements i..i+3 of the activation row starting at element `row`
// (i is a multiple of 4 below N).
fn x4(row: u32, i: u32) -> vec4<f32> {
    return x[(row + i) / 4u];
}
