// What both prefill attention kernels share: the output (binding 4), where
// a row's unnormalised output waits between key ranges; the rows' running
// (m, l) (binding 5); the first key of this dispatch's range (binding 6);
// out4, dims 4g..4g+3 of an output head vector, zero past HEAD_DIM.

struct Range {
    start: u32,             // first key of this dispatch
    pad0: u32,
    pad1: u32,
    pad2: u32,
}

@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<storage, read_write> stats: array<f32>;   // [tokens × N_HEADS × (m, l)]
@group(0) @binding(6) var<uniform> range: Range;

fn out4(base: u32, g: u32) -> vec4<f32> {
    let d = 4u * g;
    return vec4<f32>(out[base + d], select(0.0, out[base + d + 1u], d + 1u < HEAD_DIM),
                     select(0.0, out[base + d + 2u], d + 2u < HEAD_DIM), select(0.0, out[base + d + 3u], d + 3u < HEAD_DIM));
}
