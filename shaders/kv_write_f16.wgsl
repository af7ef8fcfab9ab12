// Writing an f16 KV cache, two values per word (see kv_f16.wgsl): `at` is
// even and `two` always holds, because the host requires an even KV_DIM.
// pack2x16float is core WGSL: no shader-f16 support needed.

@group(0) @binding(5) var<storage, read_write> k_cache: array<u32>;
@group(0) @binding(6) var<storage, read_write> v_cache: array<u32>;

fn put_k(at: u32, a: f32, b: f32, two: bool) {
    k_cache[at / 2u] = pack2x16float(vec2<f32>(a, b));
}

fn put_v(at: u32, a: f32, b: f32, two: bool) {
    v_cache[at / 2u] = pack2x16float(vec2<f32>(a, b));
}
