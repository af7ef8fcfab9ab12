// Activations (binding 2) as scalars, for F32/F16 rows of any length.

@group(0) @binding(2) var<storage, read> x: array<f32>;

// Elements i..i+3 of the activation row starting at element `row`, zero
// past N (rows may end inside a group of 4, where the weights are zero
// padding; nothing beyond the row is read).
fn x4(row: u32, i: u32) -> vec4<f32> {
    let b = row + i;
    if (i + 3u < N) {
        return vec4<f32>(x[b], x[b + 1u], x[b + 2u], x[b + 3u]);
    }
    return vec4<f32>(x[b], select(0.0, x[b + 1u], i + 1u < N), select(0.0, x[b + 2u], i + 2u < N), 0.0);
}
