// Tiled matrix-matrix product for prefill: for T tokens (rows of x, stride N)
//   out[t * OUT_STRIDE + row_offset + r] = W[r] · x[t]
// A workgroup computes a TILE x TILE block (rows x tokens), staging TILE rows
// of W and TILE tokens of x, 4*TILE elements deep, in workgroup memory.

override N: u32;           // row length (elements)
override ROW_WORDS: u32;   // words per row in the GPU layout
override ROWS: u32;        // rows in this binding's chunk
override ROW_OFFSET: u32;  // index of the chunk's first row
override OUT_STRIDE: u32;  // output row stride (the full output width)

const TILE: u32 = 8u;

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<storage, read> w: array<u32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

var<workgroup> w_tile: array<array<vec4<f32>, TILE>, TILE>;
var<workgroup> x_tile: array<array<vec4<f32>, TILE>, TILE>;

fn x4(t: u32, i: u32) -> vec4<f32> {
    let b = t * N;
    return vec4<f32>(select(0.0, x[b + i], i < N), select(0.0, x[b + i + 1u], i + 1u < N),
                     select(0.0, x[b + i + 2u], i + 2u < N), select(0.0, x[b + i + 3u], i + 3u < N));
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let r0 = wid.x * TILE;
    let t0 = wid.y * TILE;
    let a = lid / TILE;   // row (loading) / token (computing) within the tile
    let k = lid % TILE;   // group (loading) / row (computing) within the tile
    let groups = (N + 3u) / 4u;
    var acc = 0.0;
    for (var g0 = 0u; g0 < groups; g0 += TILE) {
        let g = g0 + k;
        let row = r0 + a;
        let tok = t0 + a;
        var wv = vec4<f32>(0.0);
        if (row < ROWS && g < groups) {
            wv = load4(row * ROW_WORDS, g);
        }
        w_tile[a][k] = wv;
        var xv = vec4<f32>(0.0);
        if (tok < step.tokens && g < groups) {
            xv = x4(tok, 4u * g);
        }
        x_tile[a][k] = xv;
        workgroupBarrier();
        for (var j = 0u; j < TILE; j++) {
            acc += dot(w_tile[k][j], x_tile[a][j]);
        }
        workgroupBarrier();
    }
    let row = r0 + k;
    let tok = t0 + a;
    if (row < ROWS && tok < step.tokens) {
        out[tok * OUT_STRIDE + ROW_OFFSET + row] = acc;
    }
}
