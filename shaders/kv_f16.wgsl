// KV cache of f16 values, two per word (half the memory and bandwidth of
// f32; llama.cpp's default cache type). Element e of the [position ×
// KV_STRIDE] layout is half e % 2 of word e / 2. The host requires an even
// HEAD_DIM, so every head vector starts on a word boundary. unpack2x16float
// is core WGSL: this needs no shader-f16 support.

@group(0) @binding(2) var<storage, read> k_cache: array<u32>;
@group(0) @binding(3) var<storage, read> v_cache: array<u32>;

fn half4(w0: u32, w1: u32, d: u32) -> vec4<f32> {
    let v = vec4<f32>(unpack2x16float(w0), unpack2x16float(w1));
    return select(vec4<f32>(0.0), v, vec4<u32>(d, d + 1u, d + 2u, d + 3u) < vec4<u32>(HEAD_DIM));
}

fn k4(base: u32, g: u32) -> vec4<f32> {
    let w = (base + 4u * g) / 2u;
    return half4(k_cache[w], select(0u, k_cache[w + 1u], 4u * g + 2u < HEAD_DIM), 4u * g);
}

fn v4(base: u32, g: u32) -> vec4<f32> {
    let w = (base + 4u * g) / 2u;
    return half4(v_cache[w], select(0u, v_cache[w + 1u], 4u * g + 2u < HEAD_DIM), 4u * g);
}
