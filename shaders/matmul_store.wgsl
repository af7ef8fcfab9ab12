// Stores of the register-tiled prefill products (matmul.wgsl, matmul_q8.wgsl):
// a tile of 8 rows × 8 tokens (store_tile), one row's four token values at a
// time, skipping rows past the chunk and tokens past the step. Needs the
// kernel's `out`, `step`, ROWS, ROW_OFFSET, OUT_BASE, OUT_STRIDE and PAIRS.

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

// A tile of 8 rows (a_r: row r0 + r; column k: tokens t0 + 4k .. +3), or
// with PAIRS the SwiGLU of its four (gate, up) row pairs.
fn store_tile(r0: u32, t0: u32, a0: mat2x4<f32>, a1: mat2x4<f32>, a2: mat2x4<f32>, a3: mat2x4<f32>,
              a4: mat2x4<f32>, a5: mat2x4<f32>, a6: mat2x4<f32>, a7: mat2x4<f32>) {
    for (var k = 0u; k < 2u; k++) {
        if (PAIRS) {
            store_pair(r0, t0, a0[k], a1[k], k);
            store_pair(r0 + 2u, t0, a2[k], a3[k], k);
            store_pair(r0 + 4u, t0, a4[k], a5[k], k);
            store_pair(r0 + 6u, t0, a6[k], a7[k], k);
            continue;
        }
        store(r0, t0, a0[k], k);
        store(r0 + 1u, t0, a1[k], k);
        store(r0 + 2u, t0, a2[k], k);
        store(r0 + 3u, t0, a3[k], k);
        store(r0 + 4u, t0, a4[k], k);
        store(r0 + 5u, t0, a5[k], k);
        store(r0 + 6u, t0, a6[k], k);
        store(r0 + 7u, t0, a7[k], k);
    }
}
