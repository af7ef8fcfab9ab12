// Rotary position embedding, in place on x = [tokens × N_HEADS × HEAD_DIM]:
// token t sits at position step.pos + t, and only the first 2 * HALF dims of
// each head are rotated (partial RoPE leaves the rest untouched). One
// invocation per rotated pair, so no invocation reads what another writes.
//
// NEOX selects the pairing: false = (2i, 2i + 1) (GGUF `llama`, whose
// converter interleaves HF's halves), true = (i, i + HALF) ("rotate half").
// The angle is f32(pos) * inv_freq[i] in f32, as llama.cpp computes it; the
// per-pair inverse frequencies (θ^(-2i/d) with any scaling) come from the host.

override N_HEADS: u32;
override HEAD_DIM: u32;
override HALF: u32;        // rope_dim / 2: rotated pairs per head
override NEOX: bool;

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<storage, read> inv_freq: array<f32>;
@group(0) @binding(2) var<storage, read_write> x: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 64u;
    if (i >= step.tokens * N_HEADS * HALF) {
        return;
    }
    let pair = i % HALF;
    let row = i / HALF;              // token * N_HEADS + head
    let t = row / N_HEADS;
    let angle = f32(step.pos + t) * inv_freq[pair];
    let c = cos(angle);
    let s = sin(angle);
    let base = row * HEAD_DIM;
    let a = base + select(2u * pair, pair, NEOX);
    let b = base + select(2u * pair + 1u, pair + HALF, NEOX);
    let x0 = x[a];
    let x1 = x[b];
    x[a] = x0 * c - x1 * s;
    x[b] = x0 * s + x1 * c;
}
