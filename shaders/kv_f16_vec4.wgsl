// KV cache of f16 values (as kv_f16.wgsl), for heads whose width is a
// multiple of 4: dims 4g..4g+3 of a head are one aligned pair of words, read
// as one vec2<u32> load.

@group(0) @binding(2) var<storage, read> k_cache: array<vec2<u32>>;
@group(0) @binding(3) var<storage, read> v_cache: array<vec2<u32>>;

fn k4(base: u32, g: u32) -> vec4<f32> {
    let w = k_cache[base / 4u + g];
    return vec4<f32>(unpack2x16float(w.x), unpack2x16float(w.y));
}

fn v4(base: u32, g: u32) -> vec4<f32> {
    let w = v_cache[base / 4u + g];
    return vec4<f32>(unpack2x16float(w.x), unpack2x16float(w.y));
}
