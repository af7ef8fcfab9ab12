// Stores of the register-tiled prefill products (matmul.wgsl, matmul_q8.wgsl):
// one row's four token values (column k of its tile: tokens t0 + 4k .. +3),
// skipping rows past the chunk and tokens past the step. Needs the kernel's
// `out`, `step`, ROWS, ROW_OFFSET, OUT_BASE and OUT_STRIDE.

fn store(row: u32, t0: u32, acc: vec4<f32>, k: u32) {
    if (row >= ROWS) {
        return;
    }
    for (var j = 0u; j < 4u; j++) {
        let t = t0 + 4u * k + j;
        if (t < step.tokens) {
            out[t * OUT_STRIDE + OUT_BASE + ROW_OFFSET + row] = acc[j];
        }
    }
}

// PAIRS: the SwiGLU of a gate row (g) and the up row (u) after it.
fn store_pair(row: u32, t0: u32, g: vec4<f32>, u: vec4<f32>, k: u32) {
    if (row >= ROWS) {
        return;
    }
    let v = g / (1.0 + exp(-g)) * u;
    let col = OUT_BASE + (ROW_OFFSET + row) / 2u;
    for (var j = 0u; j < 4u; j++) {
        let t = t0 + 4u * k + j;
        if (t < step.tokens) {
            out[t * OUT_STRIDE + col] = v[j];
        }
    }
}
