// RMSNorm: out[r] = x[r] / sqrt(mean(x[r]^2) + EPS) * weight, one workgroup per row.

override N: u32;        // row length
override EPS: f32;      // epsilon from the model's metadata

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> weight: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let base = wid.x * N;
    var ss = 0.0;
    for (var i = lid; i < N; i += WG) {
        let v = x[base + i];
        ss += v * v;
    }
    let total = wg_sum(ss, lid);
    let inv = inverseSqrt(total / f32(N) + EPS);
    for (var i = lid; i < N; i += WG) {
        out[base + i] = x[base + i] * inv * weight[i];
    }
}
