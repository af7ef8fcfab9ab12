// Causal attention for prefill on CPU adapters, with the contract of
// attention_prefill.wgsl (query token t at position step.pos + t sees cache
// positions 0..=step.pos + t; one dispatch per key range; between ranges a
// row's output waits in `out` and its (m, l) in `stats`).
//
// A workgroup is one subgroup of WG >= 8 lanes, lane i owning query token
// q0 + i of head h. Each lane keeps its query, its running maximum m, sum l
// and unnormalised output in registers (head dims up to 4 · MAX_GROUPS), so
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
override GROUPS: u32 = (HEAD_DIM + 3u) / 4u;


@group(0) @binding(0) var<uniform> step: Step;
// q (binding 1) and q4 come from attention_q.wgsl; bindings 2 and 3
// (k_cache, v_cache) and k4/v4 from kv_*.wgsl; out, stats, range (bindings
// 4-6) and out4 from attention_prefill_io.wgsl.

// KT, MAX_GROUPS, MASKED and attend_keys (a step over eight keys shared
// through subgroupBroadcast) come from attention_keys8.wgsl.

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let q0 = wid.x * WG;
    let h = wid.y;
    let nq = min(WG, step.tokens - q0);        // valid rows in this workgroup
    let kv = (h / GROUP) * HEAD_DIM;
    let row0 = step.pos + q0;                  // position of the first row
    let last_key = row0 + nq - 1u;             // no row sees beyond it
    let start = range.start;
    if (start > last_key) {
        return;                                // uniform: every row finished in earlier ranges
    }
    let end = min(last_key + 1u, start + RANGE);
    // Lanes past the last token repeat it (every lane must take part in the
    // broadcasts); their results are not stored.
    let r = min(lid, nq - 1u);
    let pos = row0 + r;                        // this row's position: its last key
    let seen = min(pos + 1u, end);             // keys of this range it sees: [start, seen)
    let takes_part = lid < nq && pos >= start; // rows ending earlier are final already
    let qb = ((q0 + r) * N_HEADS + h) * HEAD_DIM;
    let sb = 2u * ((q0 + r) * N_HEADS + h);

    var qs: array<vec4<f32>, MAX_GROUPS>;      // the query, pre-scaled
    var acc: array<vec4<f32>, MAX_GROUPS>;     // unnormalised output
    var m = MASKED;
    var l = 0.0;
    for (var g = 0u; g < GROUPS; g++) {
        qs[g] = q4(qb, g) * SCALE;
    }
    if (start != 0u && takes_part) {
        m = stats[sb];
        l = stats[sb + 1u];
        for (var g = 0u; g < GROUPS; g++) {
            acc[g] = out4(qb, g);
        }
    }

    let mine = lid % KT;                       // the key this lane fetches in each step
    for (var k0 = start; k0 < end; k0 += KT) {
        // Keys past the workgroup's last one are read as that one (in the
        // filled cache) and masked below.
        let kb = min(k0 + mine, last_key) * KV_STRIDE + kv;
        attend_keys(&qs, &acc, &m, &l, kb, k0, seen);
    }

    if (takes_part) {
        // Rows whose last key is in this range are done; the others park
        // their state for the next range.
        let done = pos < start + RANGE;
        for (var g = 0u; g < GROUPS; g++) {
            let a = select(acc[g], acc[g] / l, done);
            for (var i = 0u; i < 4u; i++) {
                if (4u * g + i < HEAD_DIM) {
                    out[qb + 4u * g + i] = a[i];
                }
            }
        }
        if (!done) {
            stats[sb] = m;
            stats[sb + 1u] = l;
        }
    }
}
