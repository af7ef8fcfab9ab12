// Arithmetic roofline: ITERS steps of 8 independent vec4 FMA chains per
// invocation (8 × 4 lanes × 2 FLOP per step), no memory traffic in the loop.
// Independent chains keep the FMA units' pipelines full; m < 1 keeps the
// values bounded. The result is written so the loop cannot be removed.

override ITERS: u32;   // steps per invocation (stay far below llvmpipe's 65,535-iteration cap)

@group(0) @binding(0) var<storage, read_write> out: array<vec4<f32>>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let id = (wid.x + wid.y * nwg.x) * 64u + lid;
    let s = f32(id % 1024u) * 1e-3;
    var a0 = vec4<f32>(s, s + 0.1, s + 0.2, s + 0.3);
    var a1 = a0 + 0.01;
    var a2 = a0 + 0.02;
    var a3 = a0 + 0.03;
    var a4 = a0 + 0.04;
    var a5 = a0 + 0.05;
    var a6 = a0 + 0.06;
    var a7 = a0 + 0.07;
    let m = vec4<f32>(0.999);
    let c = vec4<f32>(0.001);
    for (var i = 0u; i < ITERS; i++) {
        a0 = fma(a0, m, c);
        a1 = fma(a1, m, c);
        a2 = fma(a2, m, c);
        a3 = fma(a3, m, c);
        a4 = fma(a4, m, c);
        a5 = fma(a5, m, c);
        a6 = fma(a6, m, c);
        a7 = fma(a7, m, c);
    }
    out[id] = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
}
