// KV cache of f32 values: [position × KV_STRIDE]. k4/v4 return dims
// 4g..4g+3 of the head vector starting at element `base`, zero past HEAD_DIM.

@group(0) @binding(2) var<storage, read> k_cache: array<f32>;
@group(0) @binding(3) var<storage, read> v_cache: array<f32>;

fn k4(base: u32, g: u32) -> vec4<f32> {
    let d = 4u * g;
    return vec4<f32>(k_cache[base + d], select(0.0, k_cache[base + d + 1u], d + 1u < HEAD_DIM),
                     select(0.0, k_cache[base + d + 2u], d + 2u < HEAD_DIM),
                     select(0.0, k_cache[base + d + 3u], d + 3u < HEAD_DIM));
}

fn v4(base: u32, g: u32) -> vec4<f32> {
    let d = 4u * g;
    return vec4<f32>(v_cache[base + d], select(0.0, v_cache[base + d + 1u], d + 1u < HEAD_DIM),
                     select(0.0, v_cache[base + d + 2u], d + 2u < HEAD_DIM),
                     select(0.0, v_cache[base + d + 3u], d + 3u < HEAD_DIM));
}
