// One activation row quantized to 8 bits per value in blocks of 32
// (q8_block.wgsl), for the matrix-vector products of Q4_0, Q8_0, Q4_K and
// Q6_K weights that multiply integers (dot_<type>_q8.wgsl: dot4I8Packed, or
// two nibble products per multiply in x_q8.wgsl) instead of converting
// every weight to f32, which was
// a third or more of decode's matvec time on lavapipe (BENCHMARKS.md,
// sessions 8 and 9). Rows that an RMSNorm writes are quantized by the norm
// itself (rmsnorm_q8.wgsl); this pass serves the others (the attention
// output, the FFN activation).
//
// The row read is the last of step.tokens rows, like matvec.wgsl's x; with
// ALL_ROWS, every row t < step.tokens (workgroup row y = t) goes to row t
// of xq, for the prefill product matmul_q8.wgsl.

override N: u32;            // row length, a multiple of 32
override WG: u32 = 64u;
override ALL_ROWS: bool = false;

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> xq: array<vec4<u32>>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let b = gid.x;
    let row = select(step.tokens - 1u, gid.y, ALL_ROWS);
    if (b >= N / 32u || row >= step.tokens) {
        return;
    }
    let first = (row * N + b * 32u) / 4u;
    var v: array<vec4<f32>, 8>;
    for (var k = 0u; k < 8u; k++) {
        v[k] = x[first + k];
    }
    let q = q8_block(v);
    let out_block = select(0u, row, ALL_ROWS) * (N / 32u) + b;
    for (var k = 0u; k < 3u; k++) {
        xq[3u * out_block + k] = q[k];
    }
}
