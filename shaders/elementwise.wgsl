// Element-wise ops over step.tokens rows of WIDTH values: OP 0 = residual add
// (a += b), OP 1 = SwiGLU (a = silu(a) * b, with a the gate and b the up
// projection).

override OP: u32;
override WIDTH: u32;

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<storage, read_write> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 64u;
    if (i >= step.tokens * WIDTH) {
        return;
    }
    if (OP == 0u) {
        a[i] = a[i] + b[i];
    } else {
        let g = a[i];
        a[i] = g / (1.0 + exp(-g)) * b[i];
    }
}
