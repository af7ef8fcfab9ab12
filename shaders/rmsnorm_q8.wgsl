// RMSNorm's quantizing variant: the last row normalized (the step's token in
// decode, the last prompt token before the output projection) is also
// written to xq in 8-bit blocks (q8_block.wgsl), which the next matrix-vector
// products read instead of quantizing the row in a pass of their own: one
// dispatch fewer per product (on lavapipe a dispatch costs 25-60 µs however
// small), and none per Q, K and V product where those are separate matrices.

@group(0) @binding(3) var<storage, read_write> xq: array<vec4<u32>>;

fn after_norm(base: u32, last: bool, lid: u32) {
    // Only the last row's workgroup goes on (`last` is the same for all its
    // lanes), so the other rows of a prefill pay no barrier.
    if (!last) {
        return;
    }
    // The row's values were written by every lane of the workgroup.
    storageBarrier();
    for (var b = lid; b < N / 32u; b += WG) {
        var v: array<vec4<f32>, 8>;
        for (var k = 0u; k < 8u; k++) {
            let i = base + 32u * b + 4u * k;
            v[k] = vec4<f32>(out[i], out[i + 1u], out[i + 2u], out[i + 3u]);
        }
        let q = q8_block(v);
        for (var k = 0u; k < 3u; k++) {
            xq[3u * b + k] = q[k];
        }
    }
}
