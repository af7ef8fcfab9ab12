// Workgroup-tiled matrix-matrix product for prefill on GPUs (CPU adapters
// use matmul.wgsl): for T tokens (rows of x, stride N)
//   out[t * OUT_STRIDE + ROW_OFFSET + r] = W[r] · x[t]
// A workgroup computes a tile of TM rows × TT tokens. Per step of KG groups
// of 4 elements it dequantizes the weight tile and loads the activation tile
// into workgroup memory once (each element read from global memory once per
// workgroup, by neighbouring invocations), then every invocation computes
// RM rows × RT tokens from workgroup memory. Rows and tokens of an
// invocation are strided by the tile's invocation grid, so neighbouring
// invocations read neighbouring workgroup-memory words.

override N: u32;           // row length (elements)
override ROW_WORDS: u32;   // words per row in the GPU layout
override ROWS: u32;        // rows in this binding's chunk
override ROW_OFFSET: u32;  // index of the chunk's first row
override OUT_STRIDE: u32;  // output row stride (the full output width)

const RM: u32 = 4u;        // rows per invocation
const RT: u32 = 4u;        // tokens per invocation
const GM: u32 = 8u;        // invocations along rows
const GT: u32 = 16u;       // invocations along tokens
const TM: u32 = RM * GM;   // rows per workgroup (32)
const TT: u32 = RT * GT;   // tokens per workgroup (64)
const KG: u32 = 8u;        // groups of 4 elements per step (one block of 32)
const WG: u32 = GM * GT;   // invocations (128)

@group(0) @binding(0) var<uniform> step: Step;
// w (binding 1), the weight rows, is declared by the dtype_*.wgsl snippet.
// x (binding 2) and x4(row, i) come from x_vec4.wgsl or x_scalar.wgsl.
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

var<workgroup> w_s: array<vec4<f32>, TM * KG>;   // [group][row]
var<workgroup> x_s: array<vec4<f32>, TT * KG>;   // [group][token]

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let r0 = wid.x * TM;
    let t0 = wid.y * TT;
    let im = lid % GM;
    let it = lid / GM;
    // Rows and tokens past the end repeat the last valid one (reads stay in
    // bounds); their results are not stored.
    let last_row = ROWS - 1u;
    let last_tok = step.tokens - 1u;
    let groups = (N + 3u) / 4u;

    var acc: array<vec4<f32>, RM>;   // acc[i][j]: row im + GM·i, token it + GT·j
    for (var g0 = 0u; g0 < groups; g0 += KG) {
        // Weight tile: TM rows × KG groups, TM·KG / WG loads per invocation;
        // consecutive invocations take consecutive groups of one row.
        for (var e = lid; e < TM * KG; e += WG) {
            let r = e / KG;
            let g = g0 + e % KG;
            var v = vec4<f32>(0.0);
            if (g < groups) {
                v = load4(min(r0 + r, last_row) * ROW_WORDS, g);
            }
            w_s[(e % KG) * TM + r] = v;
        }
        for (var e = lid; e < TT * KG; e += WG) {
            let t = e / KG;
            let g = g0 + e % KG;
            var v = vec4<f32>(0.0);
            if (g < groups) {
                v = x4(min(t0 + t, last_tok) * N, 4u * g);
            }
            x_s[(e % KG) * TT + t] = v;
        }
        workgroupBarrier();
        for (var k = 0u; k < KG; k++) {
            var wv: array<vec4<f32>, RM>;
            for (var i = 0u; i < RM; i++) {
                wv[i] = w_s[k * TM + im + GM * i];
            }
            for (var j = 0u; j < RT; j++) {
                let xv = x_s[k * TT + it + GT * j];
                for (var i = 0u; i < RM; i++) {
                    acc[i][j] += dot(wv[i], xv);
                }
            }
        }
        workgroupBarrier();
    }
    for (var i = 0u; i < RM; i++) {
        let r = r0 + im + GM * i;
        for (var j = 0u; j < RT; j++) {
            let t = t0 + it + GT * j;
            if (r < ROWS && t < step.tokens) {
                out[t * OUT_STRIDE + ROW_OFFSET + r] = acc[i][j];
            }
        }
    }
}
