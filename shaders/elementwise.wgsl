// Element-wise ops over step.tokens rows of WIDTH values:
//   OP 0: residual add            a[i] += b[i]
//   OP 1: SwiGLU                  a[i] = silu(a[i]) * b[i]  (a = gate, b = up)
//   OP 2: bias add (broadcast)    a[i] += b[i % WIDTH]
//   OP 3: store at position       a[step.pos * WIDTH + i] = b[i]  (K/V rows into
//         the cache, so a decode step needs no copy outside the compute pass)
//   OP 4: SwiGLU of pairs         a[i] = silu(b[2i]) * b[2i + 1]  (b = the prefill
//         product of an interleaved gate/up matrix, 2 · WIDTH values per row)

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
    switch OP {
        case 0u: {
            a[i] = a[i] + b[i];
        }
        case 1u: {
            let g = a[i];
            a[i] = g / (1.0 + exp(-g)) * b[i];
        }
        case 2u: {
            a[i] = a[i] + b[i % WIDTH];
        }
        case 4u: {
            let g = b[2u * i];
            a[i] = g / (1.0 + exp(-g)) * b[2u * i + 1u];
        }
        default: {
            a[step.pos * WIDTH + i] = b[i];
        }
    }
}
