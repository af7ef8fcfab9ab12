// Matrix-vector product for decode: out[OUT_BASE + ROW_OFFSET + r] = W[r] · x[last],
// where x[last] is the last of the call's step.tokens rows (the only token
// of a decode step; the last prompt token when the output projection follows
// a prefill). W is one binding's chunk of whole rows in the GPU layout of its
// type; a unit (dot_*.wgsl) is a quantization block, dequantized in registers.
//
// Two ways to share the work, chosen per adapter by LANE_ROWS:
// - LANE_ROWS = false (GPUs): a workgroup computes RPW rows one after the
//   other; within a row lane i takes units i, i + WG, … so neighbouring lanes
//   read neighbouring blocks (coalesced), then the lanes' sums are reduced.
// - LANE_ROWS = true (CPU adapters such as lavapipe, which run the lanes of a
//   workgroup as one SIMD loop): each lane computes whole rows on its own,
//   RPW passes of WG rows per workgroup. All lanes then read the same x at
//   the same time, which the CPU driver turns into one scalar load instead of
//   a gather, and no reduction is needed.

// PAIRS (gate and up in one matrix, rows interleaved at upload): output row
// i of the chunk is silu(W[2i] · x) * (W[2i+1] · x), SwiGLU applied in
// registers, written at ROW_OFFSET / 2 + i. One dispatch instead of three
// (gate, up, SwiGLU), and x is read once for both.

override N: u32;           // row length (elements)
override ROW_WORDS: u32;   // words per row in the GPU layout
override ROWS: u32;        // rows in this binding's chunk
override ROW_OFFSET: u32;  // index of the chunk's first row
override RPW: u32 = 1u;    // output rows (LANE_ROWS: passes of WG rows) per workgroup
override LANE_ROWS: bool = false;
override PAIRS: bool = false;
override FOUR_ROWS: bool = false; // LANE_ROWS: four rows (two SwiGLU pairs) per lane at a time (else two rows, one pair)
override OUT_BASE: u32 = 0u; // where output row 0 goes (Q, K, V into one row)

@group(0) @binding(0) var<uniform> step: Step;
// w (binding 1), the weight rows, is declared by the dtype_*.wgsl snippet.
// x (binding 2) is declared by x_vec4.wgsl (block types: one load per 4
// activations) or x_scalar.wgsl (F32/F16 rows of any length).
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

// This invocation's lane in its workgroup, for snippets whose lanes share
// their loads (x_q8_pair_shared.wgsl, LANE_ROWS only).
var<private> lane: u32;

// Output rows of the chunk, and where the first is written.
fn out_rows() -> u32 {
    return select(ROWS, ROWS / 2u, PAIRS);
}

fn out_offset() -> u32 {
    return OUT_BASE + select(ROW_OFFSET, ROW_OFFSET / 2u, PAIRS);
}

// The first weight row of output row r.
fn weight_row(r: u32) -> u32 {
    return select(r, 2u * r, PAIRS);
}

// An output value from the dot products of its weight row(s): the first
// (gate) and, with PAIRS, the second (up).
fn finish(a: f32, b: f32) -> f32 {
    if (PAIRS) {
        return a / (1.0 + exp(-a)) * b;
    }
    return a;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    lane = lid;
    let xrow = (step.tokens - 1u) * N;
    let units = (N + UNIT - 1u) / UNIT;
    // Handle offset of a pair's second row (pairs never straddle a tile).
    let second = select(0u, row_start(1u), PAIRS);
    if (LANE_ROWS) {
        let first = (wid.x + wid.y * nwg.x) * RPW * WG;
        var k = 0u;
        // Two passes at a time where there are two: two independent rows
        // (or row pairs) per lane keep more loads in flight (lavapipe: 10-30 %
        // faster). Rows past the end repeat the last.
        if (PAIRS) {
            // Two outputs per lane, each a (gate, up) row pair: four
            // independent rows per lane (FOUR_ROWS types; the others take
            // one pair at a time below).
            for (; FOUR_ROWS && k + 1u < RPW; k += 2u) {
                let r = first + k * WG + lid;
                let r2 = r + WG;
                let row = row_start(weight_row(min(r, out_rows() - 1u)));
                let row2 = row_start(weight_row(min(r2, out_rows() - 1u)));
                // gate, up of r; gate, up of r2
                let a = rows4_dot(vec4<u32>(row, row + second, row2, row2 + second), units, xrow);
                if (r < out_rows()) {
                    out[out_offset() + r] = finish(a.x, a.y);
                }
                if (r2 < out_rows()) {
                    out[out_offset() + r2] = finish(a.z, a.w);
                }
            }
        } else {
            for (; FOUR_ROWS && k + 3u < RPW; k += 4u) {
                let r = first + k * WG + lid;
                let last = out_rows() - 1u;
                let rows = vec4<u32>(row_start(min(r, last)), row_start(min(r + WG, last)),
                                     row_start(min(r + 2u * WG, last)), row_start(min(r + 3u * WG, last)));
                let a = rows4_dot(rows, units, xrow);
                for (var i = 0u; i < 4u; i++) {
                    if (r + i * WG < out_rows()) {
                        out[out_offset() + r + i * WG] = a[i];
                    }
                }
            }
            for (; k + 1u < RPW; k += 2u) {
                let r = first + k * WG + lid;
                let r2 = r + WG;
                let row = row_start(min(r, out_rows() - 1u));
                let row2 = row_start(min(r2, out_rows() - 1u));
                // unit_dot2: both rows' unit u, from the dot snippet where it
                // takes the activations once for both (Q4_K against 8-bit
                // activations), else two unit_dot (matvec.rs adds it).
                var a = vec2<f32>(0.0);
                for (var u = 0u; u < units; u++) {
                    a += unit_dot2(row, row2, u, xrow);
                }
                if (r < out_rows()) {
                    out[out_offset() + r] = a.x;
                }
                if (r2 < out_rows()) {
                    out[out_offset() + r2] = a.y;
                }
            }
        }
        // One row (pair) per lane; lanes past the end compute the last
        // row too, so that all lanes call the dot products in step (their
        // activation loads may be shared, x_q8_pair_shared.wgsl).
        for (; k < RPW; k++) {
            let r = first + k * WG + lid;
            let row = row_start(weight_row(min(r, out_rows() - 1u)));
            var a = vec2<f32>(0.0);
            for (var u = 0u; u < units; u++) {
                if (PAIRS) {
                    a += unit_dot2(row, row + second, u, xrow);
                } else {
                    a.x += unit_dot(row, u, xrow);
                }
            }
            if (r < out_rows()) {
                out[out_offset() + r] = finish(a.x, a.y);
            }
        }
        return;
    }
    let first = (wid.x + wid.y * nwg.x) * RPW;
    for (var k = 0u; k < RPW; k++) {
        let r = first + k;
        if (r >= out_rows()) {
            break;   // uniform across the workgroup
        }
        let row = row_start(weight_row(r));
        var a = 0.0;
        var b = 0.0;
        for (var u = lid; u < units; u += WG) {
            a += unit_dot(row, u, xrow);
            if (PAIRS) {
                b += unit_dot(row + second, u, xrow);
            }
        }
        let ta = wg_sum(a, lid);
        var tb = 0.0;
        if (PAIRS) {
            tb = wg_sum(b, lid);
        }
        if (lid == 0u) {
            out[out_offset() + r] = finish(ta, tb);
        }
    }
}
