// KV cache of f32 values, [position × KV_STRIDE], for heads whose width is a
// multiple of 4: every head vector starts on a vec4 boundary, so k4/v4 are
// one vec4 load each (kv_f32.wgsl loads four scalars with bounds selects;
// on lavapipe each load is a separate per-lane operation).

@group(0) @binding(2) var<storage, read> k_cache: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> v_cache: array<vec4<f32>>;

fn k4(base: u32, g: u32) -> vec4<f32> {
    return k_cache[base / 4u + g];
}

fn v4(base: u32, g: u32) -> vec4<f32> {
    return v_cache[base / 4u + g];
}
