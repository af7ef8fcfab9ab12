// Embedding lookup with dequantization: out[t] = E[tokens[t]] for each token t
// (one workgroup per token). The table may be split across bindings by rows;
// each chunk's dispatch writes only the tokens whose row it holds.

override N: u32;           // row length (elements)
override ROW_WORDS: u32;   // words per row in the GPU layout
override ROWS: u32;        // rows in this binding's chunk
override ROW_OFFSET: u32;  // index of the chunk's first row

@group(0) @binding(0) var<uniform> step: Step;
// w (binding 1), the weight rows, is declared by the dtype_*.wgsl snippet.
@group(0) @binding(2) var<storage, read> tokens: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let t = wid.x;
    if (t >= step.tokens) {
        return;
    }
    let id = tokens[t];
    if (id < ROW_OFFSET || id - ROW_OFFSET >= ROWS) {
        return;
    }
    let base = row_start(id - ROW_OFFSET);
    let groups = (N + 3u) / 4u;
    for (var g = lid; g < groups; g += 64u) {
        let v = load4(base, g);
        for (var i = 0u; i < 4u; i++) {
            if (4u * g + i < N) {
                out[t * N + 4u * g + i] = v[i];
            }
        }
    }
}
