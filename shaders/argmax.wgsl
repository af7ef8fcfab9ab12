// Top-k selection (argmax is k = 1), one level of a reduction tree: workgroup
// w takes elements [w·CHUNK, (w+1)·CHUNK) of N and writes its K best, in
// order, to dst[w·K ..]. The host chains levels until one workgroup remains,
// so vocabularies of any size end in a few bytes to read back.
//
// Order: larger value first, lower id first on equal values (llama.cpp's
// greedy sampler, `model::cpu::argmax`). An empty slot (a chunk with fewer
// than K elements) is (NONE_ID, -inf), which sorts after every real element,
// -inf logits included.
//
// Selection: each invocation keeps the best element of its own strided share
// that has not been selected yet. Round r takes the best of those candidates
// across the workgroup (a max of values, then a min of the ids holding it:
// ids are < 2^24, so they are exact as f32 and wg_max can do the min), and
// only the invocation that held it rescans its share for its next candidate.
// A chunk thus costs one pass over it plus K · CHUNK / WG, not K passes.

override N: u32;          // elements in this level's input
override K: u32;          // elements kept per workgroup
override CHUNK: u32;      // elements per workgroup
override IDS_ONLY: bool;  // write ids alone (argmax's final output) instead of pairs

const NONE_ID: u32 = 16777216u;   // 2^24

@group(0) @binding(1) var<storage, read_write> dst: array<u32>;

fn neg_inf() -> f32 {
    return bitcast<f32>(0xff800000u);
}

// Is (v, i) before (bv, bi) in the selection order?
fn better(v: f32, i: u32, bv: f32, bi: u32) -> bool {
    return v > bv || (v == bv && i < bi);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let start = wid.x * CHUNK;
    let end = min(start + CHUNK, N);

    var bv = neg_inf();
    var bi = NONE_ID;
    for (var e = start + lid; e < end; e += WG) {
        let v = elem_value(e);
        let i = elem_id(e);
        if (better(v, i, bv, bi)) {
            bv = v;
            bi = i;
        }
    }

    for (var r = 0u; r < K; r++) {
        let m = wg_max(bv, lid);
        let id = u32(-wg_max(-select(f32(NONE_ID), f32(bi), bv == m), lid));
        let slot = wid.x * K + r;
        if (lid == 0u) {
            if (IDS_ONLY) {
                dst[slot] = id;
            } else {
                dst[2u * slot] = id;
                dst[2u * slot + 1u] = bitcast<u32>(m);
            }
        }
        if (bi == id && r + 1u < K) {
            // The selected element was ours: next candidate is our best
            // element after it in the order.
            bv = neg_inf();
            bi = NONE_ID;
            for (var e = start + lid; e < end; e += WG) {
                let v = elem_value(e);
                let i = elem_id(e);
                if (better(m, id, v, i) && better(v, i, bv, bi)) {
                    bv = v;
                    bi = i;
                }
            }
        }
    }
}
