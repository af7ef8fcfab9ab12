// Register-tiled matrix-matrix product for prefill: for T tokens (rows of x,
// stride N)
//   out[t * OUT_STRIDE + OUT_BASE + ROW_OFFSET + r] = W[r] · x[t]
// Each invocation computes a block of 8 rows × 8 tokens in registers: per
// group of 4 elements it dequantizes 8 weight vec4s once and uses each for 8
// tokens (x arranged as two mat4x4 whose columns are tokens, so `w * X` gives
// four dot products). Lanes of a workgroup take consecutive row blocks and
// share the token block, so their x reads hit the same addresses; x_tile
// (x_tile_loads.wgsl, or x_tile_shared.wgsl on CPU adapters) fetches them. There is no
// workgroup memory and no barrier: on CPU adapters (lavapipe) a barrier
// switches every invocation's context and costs more than the arithmetic,
// and on GPUs the shared x reads are served by the L1 cache.
//
// PAIRS (gate and up in one matrix, rows interleaved at upload): rows 2i and
// 2i + 1 of a block are token t's gate and up values, so SwiGLU is applied
// in registers and only silu(gate) * up is stored, at column
// (ROW_OFFSET + row) / 2 (OUT_STRIDE is then the FFN width). This saves
// storing twice the values and a separate pass reading them back.

override N: u32;           // row length (elements)
override ROW_WORDS: u32;   // words per row in the GPU layout
override ROWS: u32;        // rows in this binding's chunk
override ROW_OFFSET: u32;  // index of the chunk's first row
override OUT_STRIDE: u32;  // output row stride (the full output width)
override OUT_BASE: u32 = 0u; // where row 0 goes within an output row
override WG: u32 = 64u;    // lanes per workgroup
override PAIRS: bool = false;

const TR: u32 = 8u;        // rows per invocation
const TT: u32 = 8u;        // tokens per invocation

@group(0) @binding(0) var<uniform> step: Step;
// w (binding 1), the weight rows, is declared by the dtype_*.wgsl snippet.
// x (binding 2) and x4(row, i) come from x_vec4.wgsl or x_scalar.wgsl.
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
// store_tile: matmul_store.wgsl.

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let r0 = (wid.x * WG + lid) * TR;
    let t0 = wid.y * TT;
    // Rows and tokens past the end repeat the last valid one (reads stay in
    // bounds); their results are not stored. No lane returns early: with
    // x_tile_shared.wgsl every lane takes part in each step's broadcasts.
    let last_row = ROWS - 1u;
    let last_tok = step.tokens - 1u;
    var rb: array<u32, 8>;
    for (var i = 0u; i < TR; i++) {
        rb[i] = row_start(min(r0 + i, last_row));
    }
    var tk: array<u32, 8>;   // first element of each token's row
    for (var j = 0u; j < TT; j++) {
        tk[j] = min(t0 + j, last_tok) * N;
    }
    var a0 = mat2x4<f32>();   // row 0: tokens 0..3 (column 0), 4..7 (column 1)
    var a1 = mat2x4<f32>();
    var a2 = mat2x4<f32>();
    var a3 = mat2x4<f32>();
    var a4 = mat2x4<f32>();
    var a5 = mat2x4<f32>();
    var a6 = mat2x4<f32>();
    var a7 = mat2x4<f32>();
    let own = tk[lid % TT];   // the token this lane fetches (x_tile_shared.wgsl)
    let groups = (N + 3u) / 4u;
    // Runs of groups that share their scales (dtype_*.wgsl, SCALE_GROUPS):
    // each row's scale is read once per run, not once per group.
    for (var g0 = 0u; g0 < groups; g0 += SCALE_GROUPS) {
        let s0 = scale_of(rb[0], g0);
        let s1 = scale_of(rb[1], g0);
        let s2 = scale_of(rb[2], g0);
        let s3 = scale_of(rb[3], g0);
        let s4 = scale_of(rb[4], g0);
        let s5 = scale_of(rb[5], g0);
        let s6 = scale_of(rb[6], g0);
        let s7 = scale_of(rb[7], g0);
        let g1 = min(g0 + SCALE_GROUPS, groups);
        // The run's raw words per row, where the type reads them ahead
        // (RAW_RUNS: Q4_0, Q8_0); else raw_group loads each group itself.
        let q0 = load_raw(rb[0], g0);
        let q1 = load_raw(rb[1], g0);
        let q2 = load_raw(rb[2], g0);
        let q3 = load_raw(rb[3], g0);
        let q4 = load_raw(rb[4], g0);
        let q5 = load_raw(rb[5], g0);
        let q6 = load_raw(rb[6], g0);
        let q7 = load_raw(rb[7], g0);
        for (var g = g0; g < g1; g++) {
            let i = 4u * g;
            let xt = x_tile(tk, own, i);
            let xa = xt.a;
            let xb = xt.b;
            let v0 = raw_group(q0, rb[0], g, s0);
            let v1 = raw_group(q1, rb[1], g, s1);
            let v2 = raw_group(q2, rb[2], g, s2);
            let v3 = raw_group(q3, rb[3], g, s3);
            let v4 = raw_group(q4, rb[4], g, s4);
            let v5 = raw_group(q5, rb[5], g, s5);
            let v6 = raw_group(q6, rb[6], g, s6);
            let v7 = raw_group(q7, rb[7], g, s7);
            a0 += mat2x4<f32>(v0 * xa, v0 * xb);
            a1 += mat2x4<f32>(v1 * xa, v1 * xb);
            a2 += mat2x4<f32>(v2 * xa, v2 * xb);
            a3 += mat2x4<f32>(v3 * xa, v3 * xb);
            a4 += mat2x4<f32>(v4 * xa, v4 * xb);
            a5 += mat2x4<f32>(v5 * xa, v5 * xb);
            a6 += mat2x4<f32>(v6 * xa, v6 * xb);
            a7 += mat2x4<f32>(v7 * xa, v7 * xb);
        }
    }
    store_tile(r0, t0, a0, a1, a2, a3, a4, a5, a6, a7);
}
