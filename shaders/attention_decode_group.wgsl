// Decode attention, pass 1 of 2, for CPU adapters and grouped-query heads:
// the partials of attention.wgsl (chunk c of CHUNK keys, for each query
// head: o, m, l), with each key and value of a KV head read once for the
// query heads that share it rather than once per query head.
//
// Workgroup (c, b) is one subgroup: chunk c, and block b of WG query heads
// of one KV head (GROUP heads per KV head, in ceil(GROUP / WG) blocks). Lane
// r owns query head r of the block, keeping its query, running maximum m,
// sum l and unnormalised output in registers (head dims up to
// 4 · MAX_GROUPS), as a lane owns a query token in
// attention_prefill_lanes.wgsl. Keys go KT = 8 at a time: lane j loads key
// k0 + j and every lane takes all eight through subgroupBroadcast
// (attention_keys8.wgsl). On lavapipe, where a storage load runs lane by
// lane, the per-head pass (attention_lanes.wgsl) pays the loads of a key
// once per query head; here once per block.

override N_HEADS: u32;
override HEAD_DIM: u32;
override GROUP: u32;        // query heads per KV head
override KV_STRIDE: u32;    // floats per cache position (n_kv_heads · HEAD_DIM)
override CHUNK: u32;        // keys per workgroup, a multiple of KT
override MAX_CHUNKS: u32;   // chunks of the longest context (partials' stride)
override SCALE: f32;        // 1 / sqrt(HEAD_DIM)
override WG: u32 = 8u;      // the subgroup size, >= KT
override GROUPS: u32 = (HEAD_DIM + 3u) / 4u;
override BLOCKS: u32 = (GROUP + WG - 1u) / WG;   // head blocks per KV head
const QPL: u32 = 1u;        // queries per lane: the lane's query head


@group(0) @binding(0) var<uniform> step: Step;
// q (binding 1) and q4 come from attention_q.wgsl; bindings 2 and 3
// (k_cache, v_cache) and k4/v4 from kv_*.wgsl; KT, MAX_GROUPS, MASKED and
// attend_keys (the step over eight keys) from attention_keys8.wgsl.
@group(0) @binding(4) var<storage, read_write> partials: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let c = wid.x;
    let kvh = wid.y / BLOCKS;
    let first = (wid.y % BLOCKS) * WG;         // the block's first head within the group
    let n = step.pos + 1u;                     // keys the query sees
    let k0 = c * CHUNK;
    if (k0 >= n) {
        return;                                // uniform: the host may round the chunk count up
    }
    let end = min(n, k0 + CHUNK);
    let last_key = end - 1u;
    let kv = kvh * HEAD_DIM;
    // Lanes past the group's last head repeat it (every lane takes part in
    // the broadcasts); their results are not stored.
    let r = min(first + lid, GROUP - 1u);
    let h = kvh * GROUP + r;
    let qb = h * HEAD_DIM;

    var qs: array<vec4<f32>, LANE_VECS>;       // the query, pre-scaled
    var acc: array<vec4<f32>, LANE_VECS>;      // unnormalised output
    var m: array<f32, MAX_QUERIES>;
    var l: array<f32, MAX_QUERIES>;
    var limit: array<u32, MAX_QUERIES>;
    m[0] = MASKED;
    limit[0] = end;
    for (var g = 0u; g < GROUPS; g++) {
        qs[g] = q4(qb, g) * SCALE;
    }
    let mine = lid % KT;                       // the key this lane fetches in each step
    for (var j0 = k0; j0 < end; j0 += KT) {
        // Keys past the chunk's last one are read as that one and masked.
        let kb = min(j0 + mine, last_key) * KV_STRIDE + kv;
        attend_keys(&qs, &acc, &m, &l, kb, j0, limit);
    }
    if (first + lid < GROUP) {
        let base = (h * MAX_CHUNKS + c) * (HEAD_DIM + 2u);
        for (var g = 0u; g < GROUPS; g++) {
            for (var i = 0u; i < 4u; i++) {
                if (4u * g + i < HEAD_DIM) {
                    partials[base + 4u * g + i] = acc[g][i];
                }
            }
        }
        partials[base + HEAD_DIM] = m[0];
        partials[base + HEAD_DIM + 1u] = l[0];
    }
}
