// The block types' weight words (binding 1) in an Rgba32Uint texture of
// TEXTURE_WIDTH texels per row (4096, or one narrower row for a small
// chunk: gpu/storage.rs), texel v holding words 4v..4v+3: CPU adapters.
// lavapipe fetches texels with vector code but loads a storage buffer one
// lane and one component at a time, behind a branch each: a 128 MiB stream
// read 1.4x as fast from a texture (BENCHMARKS.md, session 11). Same accessors as weights_storage.wgsl, which this replaces.

@group(0) @binding(1) var wt: texture_2d<u32>;

override TEXTURE_WIDTH: u32;

// Words 4v..4v+3 of the binding.
fn w_vec4(v: u32) -> vec4<u32> {
    return textureLoad(wt, vec2<u32>(v % TEXTURE_WIDTH, v / TEXTURE_WIDTH), 0);
}

// Word i of the binding.
fn w_word(i: u32) -> u32 {
    return w_vec4(i / 4u)[i % 4u];
}
