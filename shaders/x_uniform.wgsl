// Activations (binding 2) in a uniform binding of exactly one row: the
// matrix-vector product of a one-token step on CPU adapters. lavapipe turns
// a storage load that every lane makes at the same address into a scalar
// load wrapped in a bounds-check branch per component, but a uniform load at
// such an address into one plain load and a broadcast: x is read once per
// block for every lane's row, so this made the Q4_0 matvec 1.6–2× faster
// there (BENCHMARKS.md, session 5). X_VEC4S (the row's length / 4) is set by
// the define step: a uniform array needs a constant size.

@group(0) @binding(2) var<uniform> x: array<vec4<f32>, X_VEC4S>;

// Elements i..i+3 of the bound row (i a multiple of 4 below N). `row` is
// the storage snippets' row start, always 0 here: the binding holds the
// step's only token.
fn x4(row: u32, i: u32) -> vec4<f32> {
    return x[(row + i) / 4u];
}
