// Streaming read, the memory roofline: workgroup w sums the contiguous chunk
// of CHUNK vec4s starting at w * CHUNK, in one of two patterns (the roofline
// is the fastest pattern and storage):
// - LANE_RUNS = false: lane i reads vec4s i, i + WG, … so that neighbouring
//   lanes read neighbouring 16-byte words (coalesced: what GPUs want);
// - LANE_RUNS = true: lane i reads its own contiguous run of CHUNK / WG
//   vec4s, as a lane of the CPU adapters' matrix-vector product reads its
//   row (Mesa 26's lavapipe runs those matvecs faster than the first
//   pattern, so that pattern alone understated its bandwidth).
// The sums are written out so the reads cannot be optimised away (and
// checked by tests).

override CHUNK: u32;   // vec4s per workgroup
override TOTAL: u32;   // vec4s in the buffer
override LANE_RUNS: bool = false;

// `src` and load_src(i), its vec4 i, are declared by the define step
// (kernels/stream_read.rs): a storage buffer, or a texture of 4096 texels per
// row as weights_texture.wgsl reads, so the roofline also covers the storage
// CPU adapters keep weights in.
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
    if (LANE_RUNS) {
        let run = (CHUNK + WG - 1u) / WG;
        let first = start + lid * run;
        for (var i = first; i < min(first + run, end); i++) {
            acc += load_src(i);
        }
    } else {
        for (var i = start + lid; i < end; i += WG) {
            acc += load_src(i);
        }
    }
    let total = wg_sum(acc.x + acc.y + acc.z + acc.w, lid);
    if (lid == 0u) {
        out[w] = total;
    }
}
