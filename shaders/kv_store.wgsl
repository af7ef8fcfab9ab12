// Store step.tokens rows of WIDTH f32 values (new keys or values) into an
// f16 KV cache at position step.pos, packing two halves per word. WIDTH is
// even (the host checks), so every row starts on a word boundary.

override WIDTH: u32;

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<storage, read_write> cache: array<u32>;
@group(0) @binding(2) var<storage, read> rows: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 64u;   // word index within the new rows
    if (i >= step.tokens * WIDTH / 2u) {
        return;
    }
    cache[step.pos * WIDTH / 2u + i] = pack2x16float(vec2<f32>(rows[2u * i], rows[2u * i + 1u]));
}
