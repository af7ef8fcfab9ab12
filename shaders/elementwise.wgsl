// Element-wise ops over step.tokens rows of WIDTH values:
//   OP 0: SwiGLU                  a[i] = silu(a[i]) * b[i]  (a = gate, b = up)
//   OP 1: SwiGLU of pairs         a[i] = silu(b[2i]) * b[2i + 1]  (b = the prefill
//         product of an interleaved gate/up matrix, 2 · WIDTH values per row)
// (Residual adds live in rmsnorm.wgsl; bias adds and cache stores in qkv_post.wgsl.)

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
        let g = a[i];
        a[i] = g / (1.0 + exp(-g)) * b[i];
    } else {
        let g = b[2u * i];
        a[i] = g / (1.0 + exp(-g)) * b[2u * i + 1u];
    }
}
