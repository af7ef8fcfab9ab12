// RMSNorm: out[r] = x[r] / sqrt(mean(x[r]^2) + EPS) * weight, one workgroup per row.
//
// ADD folds the residual add that precedes every norm but the first into the
// same pass: x[r] += out[r] (the block's output, which `out` holds on entry),
// then out[r] = norm(x[r]). One dispatch instead of two, and x is read once.
// Each invocation reads and writes only its own elements (both loops stride
// the row the same way), so reading `out` before overwriting it is safe.
//
// after_norm comes from rmsnorm_plain.wgsl (nothing) or rmsnorm_q8.wgsl
// (the last row also quantized to 8 bits for the next products).

override N: u32;        // row length
override EPS: f32;      // epsilon from the model's metadata
override ADD: bool = false;

@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read> weight: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let base = wid.x * N;
    var ss = 0.0;
    for (var i = lid; i < N; i += WG) {
        var v = x[base + i];
        if (ADD) {
            v += out[base + i];
            x[base + i] = v;
        }
        ss += v * v;
    }
    let total = wg_sum(ss, lid);
    let inv = inverseSqrt(total / f32(N) + EPS);
    for (var i = lid; i < N; i += WG) {
        out[base + i] = x[base + i] * inv * weight[i];
    }
    after_norm(base, wid.x + 1u == nwg.x, lid);
}
