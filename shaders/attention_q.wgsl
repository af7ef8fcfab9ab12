// The queries of every attention kernel (binding 1), [tokens × N_HEADS ×
// HEAD_DIM], and q4: dims 4g..4g+3 of the head vector at `base`, zero past
// HEAD_DIM (heads of any width).

@group(0) @binding(1) var<storage, read> q: array<f32>;

fn q4(base: u32, g: u32) -> vec4<f32> {
    let d = 4u * g;
    return vec4<f32>(q[base + d], select(0.0, q[base + d + 1u], d + 1u < HEAD_DIM),
                     select(0.0, q[base + d + 2u], d + 2u < HEAD_DIM), select(0.0, q[base + d + 3u], d + 3u < HEAD_DIM));
}
