// Causal attention for prefill (step.tokens > 1): query token t sits at
// position step.pos + t and attends to cache positions 0..=step.pos + t (the
// new tokens' keys and values are already in the cache).
//
// Workgroup (x, h) takes a tile of BQ query tokens of head h and walks the
// keys in tiles of BK with an online softmax, so no tokens × keys score
// matrix ever exists: per query row it keeps the running maximum m, the
// running sum l and the unnormalised output acc, and when a key tile raises
// the maximum the old sum and output are rescaled by exp(m_old - m_new).
//
// One dispatch covers the keys [range.start, range.start + RANGE); the host
// records one dispatch per range. Between ranges a row's state waits in
// global memory (acc in its own `out` row, m and l in `stats`), and the range
// holding the row's last key writes the normalised result. Ranges bound each
// invocation's loop iterations whatever the context length: llvmpipe
// silently ends a shader after 65535 loop iterations in total.
//
// Scores, accumulators and row statistics live in workgroup memory: a tile's
// BQ × HEAD_DIM accumulators are more than an invocation can hold, and each
// phase below reads values another invocation wrote. K and V rows are read
// straight from the cache: every row is used by all BQ queries of the tile
// within a few instructions, so caches serve the reuse. Head vectors are
// walked 4 dims at a time (zero-padded past HEAD_DIM).

override N_HEADS: u32;
override HEAD_DIM: u32;
override GROUP: u32;        // query heads per KV head
override KV_STRIDE: u32;    // floats per cache position (n_kv_heads · HEAD_DIM)
override SCALE: f32;        // 1 / sqrt(HEAD_DIM)
override BQ: u32;           // query tokens per workgroup (host picks it from HEAD_DIM)
override RANGE: u32;        // keys per dispatch, a multiple of BK
override WG: u32 = 64u;
override GROUPS: u32 = (HEAD_DIM + 3u) / 4u;
override ACC: u32 = BQ * GROUPS;
override SCORES: u32 = BQ * BK;

const BK: u32 = 16u;        // keys per tile
const MASKED: f32 = -1e30;  // finite, so MASKED - MASKED is 0 and never NaN

@group(0) @binding(0) var<uniform> step: Step;
// q (binding 1) and q4 come from attention_q.wgsl; bindings 2 and 3
// (k_cache, v_cache) and k4/v4 from kv_*.wgsl (the cache element type); out,
// stats, range (bindings 4-6) and out4 from attention_prefill_io.wgsl.

var<workgroup> s_s: array<f32, SCORES>;         // [BQ × BK] scores, then probabilities
var<workgroup> acc_s: array<vec4<f32>, ACC>;    // [BQ × GROUPS] unnormalised outputs
var<workgroup> m_s: array<f32, BQ>;             // running maximum per query row
var<workgroup> l_s: array<f32, BQ>;             // running sum per query row
var<workgroup> corr_s: array<f32, BQ>;          // this tile's rescale factor per row

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let q0 = wid.x * BQ;
    let h = wid.y;
    let nq = min(BQ, step.tokens - q0);        // valid rows in this tile
    let kv = (h / GROUP) * HEAD_DIM;
    let row0 = step.pos + q0;                  // position of the tile's first row = its last key
    let last_key = row0 + nq - 1u;             // no row of the tile sees beyond it
    let start = range.start;
    if (start > last_key) {
        return;                                // uniform: every row finished in earlier ranges
    }
    let end = min(last_key + 1u, start + RANGE);
    let first = start == 0u;

    // A row takes part if it sees a key of this range; rows whose keys all
    // came earlier are already final in `out`.
    for (var e = lid; e < ACC; e += WG) {
        let r = e / GROUPS;
        var a = vec4<f32>(0.0);
        if (!first && r < nq && row0 + r >= start) {
            a = out4(((q0 + r) * N_HEADS + h) * HEAD_DIM, e % GROUPS);
        }
        acc_s[e] = a;
    }
    for (var r = lid; r < BQ; r += WG) {
        var m = MASKED;
        var l = 0.0;
        if (!first && r < nq && row0 + r >= start) {
            let sb = 2u * ((q0 + r) * N_HEADS + h);
            m = stats[sb];
            l = stats[sb + 1u];
        }
        m_s[r] = m;
        l_s[r] = l;
    }
    workgroupBarrier();

    for (var k0 = start; k0 < end; k0 += BK) {
        // Scores of the tile, masked where a key lies after its query (or
        // the row is past the last token).
        for (var e = lid; e < SCORES; e += WG) {
            let r = e / BK;
            let key = k0 + e % BK;
            var s = MASKED;
            if (r < nq && key <= row0 + r) {
                let qb = ((q0 + r) * N_HEADS + h) * HEAD_DIM;
                let kb = key * KV_STRIDE + kv;
                var qk = 0.0;
                for (var g = 0u; g < GROUPS; g++) {
                    qk += dot(q4(qb, g), k4(kb, g));
                }
                s = qk * SCALE;
            }
            s_s[e] = s;
        }
        workgroupBarrier();

        // Online softmax update, one row per invocation.
        for (var r = lid; r < BQ; r += WG) {
            let m_old = m_s[r];
            var m_new = m_old;
            for (var j = 0u; j < BK; j++) {
                m_new = max(m_new, s_s[r * BK + j]);
            }
            var sum = 0.0;
            for (var j = 0u; j < BK; j++) {
                let s = s_s[r * BK + j];
                // Masked keys contribute exactly nothing, even to a row that
                // has seen no key yet.
                let p = select(exp(s - m_new), 0.0, s <= MASKED);
                s_s[r * BK + j] = p;
                sum += p;
            }
            let corr = exp(m_old - m_new);
            m_s[r] = m_new;
            l_s[r] = l_s[r] * corr + sum;
            corr_s[r] = corr;
        }
        workgroupBarrier();

        // acc = acc · corr + P · V, four dims of one row per invocation at a
        // time: neighbouring invocations read neighbouring V values.
        for (var e = lid; e < ACC; e += WG) {
            let r = e / GROUPS;
            let g = e % GROUPS;
            if (r < nq && row0 + r >= k0) {
                // Keys past this row's position have p = 0; stop before them
                // so no read goes beyond the filled cache.
                let keys = min(BK, row0 + r + 1u - k0);
                var a = acc_s[e] * corr_s[r];
                for (var j = 0u; j < keys; j++) {
                    a += s_s[r * BK + j] * v4((k0 + j) * KV_STRIDE + kv, g);
                }
                acc_s[e] = a;
            }
        }
        workgroupBarrier();
    }

    // Rows whose last key is in this range are done; the others park their
    // state for the next range.
    for (var e = lid; e < ACC; e += WG) {
        let r = e / GROUPS;
        if (r < nq && row0 + r >= start) {
            let done = row0 + r < start + RANGE;
            let a = select(acc_s[e], acc_s[e] / l_s[r], done);
            let ob = ((q0 + r) * N_HEADS + h) * HEAD_DIM + 4u * (e % GROUPS);
            for (var i = 0u; i < 4u; i++) {
                if (4u * (e % GROUPS) + i < HEAD_DIM) {
                    out[ob + i] = a[i];
                }
            }
        }
    }
    for (var r = lid; r < BQ; r += WG) {
        if (r < nq && row0 + r >= start + RANGE) {
            let sb = 2u * ((q0 + r) * N_HEADS + h);
            stats[sb] = m_s[r];
            stats[sb + 1u] = l_s[r];
        }
    }
}
