// Causal attention for prefill on CPU adapters, with the contract of
// attention_prefill.wgsl (query token t at position step.pos + t sees cache
// positions 0..=step.pos + t; one dispatch per key range; between ranges a
// row's output waits in `out` and its (m, l) in `stats`).
//
// A workgroup is one subgroup of WG >= 8 lanes taking QPL · WG query tokens
// of head h, lane r owning tokens q0 + r, q0 + WG + r, ... (QPL of them).
// Each lane keeps their queries, running maxima m, sums l and unnormalised
// outputs in registers (head dims up to 4 · MAX_GROUPS), so
// there is no workgroup memory and no barrier: llvmpipe runs a barrier as a
// switch between coroutines, and the tiled kernel spent ~80 % of a 512-token
// prefill there. Keys are walked KT = 8 at a time: lane j loads four dims of
// key (and value) k0 + j, and every lane takes all eight through
// subgroupBroadcast, because lavapipe runs a storage load lane by lane even
// when all lanes read one address.

override N_HEADS: u32;
override HEAD_DIM: u32;
override GROUP: u32;        // query heads per KV head
override KV_STRIDE: u32;    // floats per cache position (n_kv_heads · HEAD_DIM)
override SCALE: f32;        // 1 / sqrt(HEAD_DIM)
override RANGE: u32;        // keys per dispatch, a multiple of KT
override WG: u32 = 8u;      // the subgroup size, >= KT
override QPL: u32 = 1u;     // query tokens per lane, at most MAX_QUERIES
override GROUPS: u32 = (HEAD_DIM + 3u) / 4u;


@group(0) @binding(0) var<uniform> step: Step;
// q (binding 1) and q4 come from attention_q.wgsl; bindings 2 and 3
// (k_cache, v_cache) and k4/v4 from kv_*.wgsl; out, stats, range (bindings
// 4-6) and out4 from attention_prefill_io.wgsl.

// KT, MAX_GROUPS, MASKED and attend_keys (a step over eight keys shared
// through subgroupBroadcast) come from attention_keys8.wgsl.

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let q0 = wid.x * WG * QPL;
    let h = wid.y;
    let nq = min(WG * QPL, step.tokens - q0);  // valid rows in this workgroup
    let kv = (h / GROUP) * HEAD_DIM;
    let row0 = step.pos + q0;                  // position of the first row
    let last_key = row0 + nq - 1u;             // no row sees beyond it
    let start = range.start;
    if (start > last_key) {
        return;                                // uniform: every row finished in earlier ranges
    }
    let end = min(last_key + 1u, start + RANGE);

    var qs: array<vec4<f32>, LANE_VECS>;       // the queries, pre-scaled
    var acc: array<vec4<f32>, LANE_VECS>;      // unnormalised outputs
    var m: array<f32, MAX_QUERIES>;
    var l: array<f32, MAX_QUERIES>;
    var seen: array<u32, MAX_QUERIES>;         // row i sees keys [start, seen[i]) of this range
    for (var i = 0u; i < QPL; i++) {
        // Rows past the last token repeat it (every lane must take part in
        // the broadcasts); their results are not stored.
        let r = min(i * WG + lid, nq - 1u);
        let qb = ((q0 + r) * N_HEADS + h) * HEAD_DIM;
        seen[i] = min(row0 + r + 1u, end);
        m[i] = MASKED;
        for (var g = 0u; g < GROUPS; g++) {
            qs[i * MAX_GROUPS + g] = q4(qb, g) * SCALE;
        }
        if (start != 0u && row0 + r >= start) {
            // A row begun in an earlier range: its state so far.
            let sb = 2u * ((q0 + r) * N_HEADS + h);
            m[i] = stats[sb];
            l[i] = stats[sb + 1u];
            for (var g = 0u; g < GROUPS; g++) {
                acc[i * MAX_GROUPS + g] = out4(qb, g);
            }
        }
    }

    let mine = lid % KT;                       // the key this lane fetches in each step
    for (var k0 = start; k0 < end; k0 += KT) {
        // Keys past the workgroup's last one are read as that one (in the
        // filled cache) and masked.
        let kb = min(k0 + mine, last_key) * KV_STRIDE + kv;
        attend_keys(&qs, &acc, &m, &l, kb, k0, seen);
    }

    for (var i = 0u; i < QPL; i++) {
        let r = i * WG + lid;
        let pos = row0 + r;                    // this row's position: its last key
        // Rows ending before this range are final already.
        if (r < nq && pos >= start) {
            let done = pos < start + RANGE;
            store_row(((q0 + r) * N_HEADS + h) * HEAD_DIM, &acc, i, select(1.0, l[i], done));
            if (!done) {
                // The row goes on in the next range: park its (m, l).
                let sb = 2u * ((q0 + r) * N_HEADS + h);
                stats[sb] = m[i];
                stats[sb + 1u] = l[i];
            }
        }
    }
}

// Query i of the lane's output, divided by `l` (its sum where the row is
// done, else 1: the unnormalised partial), into the head vector at `qb`.
fn store_row(qb: u32, acc: ptr<function, array<vec4<f32>, LANE_VECS>>, i: u32, l: f32) {
    for (var g = 0u; g < GROUPS; g++) {
        let o = (*acc)[i * MAX_GROUPS + g] / l;
        for (var c = 0u; c < 4u; c++) {
            if (4u * g + c < HEAD_DIM) {
                out[qb + 4u * g + c] = o[c];
            }
        }
    }
}
