// Writing an f32 KV cache ([position × KV_DIM] values): value `at` and, when
// `two`, value at + 1.

@group(0) @binding(5) var<storage, read_write> k_cache: array<f32>;
@group(0) @binding(6) var<storage, read_write> v_cache: array<f32>;

fn put_k(at: u32, a: f32, b: f32, two: bool) {
    k_cache[at] = a;
    if (two) {
        k_cache[at + 1u] = b;
    }
}

fn put_v(at: u32, a: f32, b: f32, two: bool) {
    v_cache[at] = a;
    if (two) {
        v_cache[at + 1u] = b;
    }
}
