// Streaming read, the memory roofline: workgroup w sums the contiguous chunk
// of CHUNK vec4s starting at w * CHUNK, lane i reading vec4s i, i + WG, … so
// that neighbouring lanes read neighbouring 16-byte words. The sums are
// written out so the reads cannot be optimised away (and checked by tests).

override CHUNK: u32;   // vec4s per workgroup
override TOTAL: u32;   // vec4s in the buffer

@group(0) @binding(0) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let w = wid.x + wid.y * nwg.x;
    let start = w * CHUNK;
    if (start >= TOTAL) {
        return;   // uniform across the workgroup
    }
    let end = min(start + CHUNK, TOTAL);
    var acc = vec4<f32>(0.0);
    for (var i = start + lid; i < end; i += WG) {
        acc += src[i];
    }
    let total = wg_sum(acc.x + acc.y + acc.z + acc.w, lid);
    if (lid == 0u) {
        out[w] = total;
    }
}
