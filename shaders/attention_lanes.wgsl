// Decode attention, pass 1 of 2, for CPU adapters: the partials of
// attention.wgsl (chunk c of CHUNK keys for query head h: o, m, l), computed
// with no workgroup memory and no barrier. The workgroup is one subgroup;
// lane i takes keys i, i + WG, … of the chunk and runs an online softmax
// over them with its output in registers (head dims up to 4 · MAX_GROUPS);
// the lanes' (m, l, o) are merged with subgroupMax / subgroupAdd at the end.
// On lavapipe the tiled pass read the query and the scores from workgroup
// memory, where every lane's load of a shared value is a separate load.

override N_HEADS: u32;
override HEAD_DIM: u32;
override GROUP: u32;        // query heads per KV head
override KV_STRIDE: u32;    // floats per cache position (n_kv_heads · HEAD_DIM)
override CHUNK: u32;        // keys per workgroup
override MAX_CHUNKS: u32;   // chunks of the longest context (partials' stride)
override SCALE: f32;        // 1 / sqrt(HEAD_DIM)
override WG: u32 = 8u;      // the subgroup size
override GROUPS: u32 = (HEAD_DIM + 3u) / 4u;

const MAX_GROUPS: u32 = 64u;
const MASKED: f32 = -1e30;

@group(0) @binding(0) var<uniform> step: Step;
// q (binding 1) and q4 come from attention_q.wgsl; bindings 2 and 3
// (k_cache, v_cache) and k4/v4 from kv_*.wgsl.
@group(0) @binding(4) var<storage, read_write> partials: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let c = wid.x;
    let h = wid.y;
    let n = step.pos + 1u;             // keys this query sees
    let k0 = c * CHUNK;
    if (k0 >= n) {
        return;                        // uniform: the host may round the chunk count up
    }
    let len = min(CHUNK, n - k0);
    let kv = (h / GROUP) * HEAD_DIM;

    var qs: array<vec4<f32>, MAX_GROUPS>;   // the query, pre-scaled
    var acc: array<vec4<f32>, MAX_GROUPS>;  // this lane's unnormalised output
    for (var g = 0u; g < GROUPS; g++) {
        qs[g] = q4(h * HEAD_DIM, g) * SCALE;
    }
    var m = MASKED;
    var l = 0.0;
    for (var j = lid; j < len; j += WG) {
        let kb = (k0 + j) * KV_STRIDE + kv;
        var s = 0.0;
        for (var g = 0u; g < GROUPS; g++) {
            s += dot(qs[g], k4(kb, g));
        }
        let m_new = max(m, s);
        let corr = exp(m - m_new);
        let p = exp(s - m_new);
        m = m_new;
        l = l * corr + p;
        for (var g = 0u; g < GROUPS; g++) {
            acc[g] = acc[g] * corr + p * v4(kb, g);
        }
    }
    // Rescale every lane to the common maximum (a lane with no key keeps
    // l = 0 and o = 0, and exp(MASKED - M) is 0), then add the lanes up.
    let mx = subgroupMax(m);
    let w = exp(m - mx);
    let lt = subgroupAdd(l * w);
    let base = (h * MAX_CHUNKS + c) * (HEAD_DIM + 2u);
    for (var g = 0u; g < GROUPS; g++) {
        let o = subgroupAdd(acc[g] * w);
        if (lid == 0u) {
            for (var i = 0u; i < 4u; i++) {
                if (4u * g + i < HEAD_DIM) {
                    partials[base + 4u * g + i] = o[i];
                }
            }
        }
    }
    if (lid == 0u) {
        partials[base + HEAD_DIM] = mx;
        partials[base + HEAD_DIM + 1u] = lt;
    }
}
