// The block types' weight words (binding 1) in a storage buffer, and the same
// rows as vec4s (binding 4, a second read-only view of the buffer: on
// lavapipe, which runs a load component by component and lane by lane, one
// vec4 load costs about half of four word loads). Kernels read weights only
// through w_word / w_vec4; weights_texture.wgsl replaces this snippet where
// the matrix lives in a texture (gpu/weights.rs, `Storage`).

@group(0) @binding(1) var<storage, read> w: array<u32>;
@group(0) @binding(4) var<storage, read> w4: array<vec4<u32>>;

// Word i of the binding.
fn w_word(i: u32) -> u32 {
    return w[i];
}

// Words 4v..4v+3 of the binding.
fn w_vec4(v: u32) -> vec4<u32> {
    return w4[v];
}
