// Matrix-vector product for decode: out[ROW_OFFSET + r] = W[r] · x[last],
// one workgroup per row, where x[last] is the last of the call's step.tokens
// rows (the only token of a decode step; the last prompt token when the
// output projection follows a prefill). W is one binding's chunk of whole rows in the GPU layout
// of its type (dtype_*.wgsl provides load4); each lane walks groups of 4
// elements strided by WG, so neighbouring lanes read neighbouring words.

override N: u32;           // row length (elements)
override ROW_WORDS: u32;   // words per row in the GPU layout
override ROWS: u32;        // rows in this binding's chunk
override ROW_OFFSET: u32;  // index of the chunk's first row

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<storage, read> w: array<u32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

fn x4(row: u32, i: u32) -> vec4<f32> {
    // Rows of F32/F16 may end inside a group: the weights there are zero
    // padding, and x beyond N reads as zero.
    let b = row * N + i;
    return vec4<f32>(x[b], select(0.0, x[b + 1u], i + 1u < N), select(0.0, x[b + 2u], i + 2u < N),
                     select(0.0, x[b + 3u], i + 3u < N));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let r = wid.x + wid.y * nwg.x;
    if (r >= ROWS) {
        return;   // uniform across the workgroup
    }
    let base = r * ROW_WORDS;
    let last = step.tokens - 1u;
    let groups = (N + 3u) / 4u;
    var acc = 0.0;
    for (var g = lid; g < groups; g += WG) {
        acc += dot(load4(base, g), x4(last, 4u * g));
    }
    let total = wg_sum(acc, lid);
    if (lid == 0u) {
        out[ROW_OFFSET + r] = total;
    }
}
