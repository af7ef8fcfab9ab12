// Eight keys at a time across a subgroup, for the lane attention kernels
// (attention_prefill_lanes.wgsl, attention_decode_group.wgsl): lane j holds
// four dims of key (or value) j, and every lane takes all eight through
// subgroupBroadcast with a constant lane, which lavapipe turns into an
// extract and a splat, because it runs a storage load lane by lane even when
// every lane reads one address.

const KT: u32 = 8u;   // keys per step (at most the subgroup size)
const MAX_GROUPS: u32 = 64u;   // a lane's query and output: heads up to 4 · 64 wide
const MASKED: f32 = -1e30;     // finite, so MASKED - MASKED is 0 and never NaN

// The eight keys' (or values') dims held by lanes 0..7, as one dot product
// each with `a`.
fn dots(a: vec4<f32>, v: vec4<f32>) -> array<f32, 8> {
    return array<f32, 8>(
        dot(a, subgroupBroadcast(v, 0u)), dot(a, subgroupBroadcast(v, 1u)), dot(a, subgroupBroadcast(v, 2u)),
        dot(a, subgroupBroadcast(v, 3u)), dot(a, subgroupBroadcast(v, 4u)), dot(a, subgroupBroadcast(v, 5u)),
        dot(a, subgroupBroadcast(v, 6u)), dot(a, subgroupBroadcast(v, 7u)));
}

// Σ_j p[j] · (lane j's v).
fn mix(p: array<f32, 8>, v: vec4<f32>) -> vec4<f32> {
    return p[0] * subgroupBroadcast(v, 0u) + p[1] * subgroupBroadcast(v, 1u) + p[2] * subgroupBroadcast(v, 2u)
        + p[3] * subgroupBroadcast(v, 3u) + p[4] * subgroupBroadcast(v, 4u) + p[5] * subgroupBroadcast(v, 5u)
        + p[6] * subgroupBroadcast(v, 6u) + p[7] * subgroupBroadcast(v, 7u);
}

// One online-softmax step of a lane's query (pre-scaled `qs`; running
// unnormalised output `acc`, maximum `m` and sum `l`) over the KT keys of
// lanes 0..7: lane j's key and value start at cache offset `kb`, its key is
// number k0 + j, and keys from `limit` on are masked. Masked keys contribute
// exactly nothing, even to a query that has seen no key yet. GROUPS (dim
// groups of the head) and k4/v4 come from the including kernel.
fn attend_keys(qs: ptr<function, array<vec4<f32>, MAX_GROUPS>>, acc: ptr<function, array<vec4<f32>, MAX_GROUPS>>,
               m: ptr<function, f32>, l: ptr<function, f32>, kb: u32, k0: u32, limit: u32) {
    var s = array<f32, 8>();
    for (var g = 0u; g < GROUPS; g++) {
        let d = dots((*qs)[g], k4(kb, g));
        for (var j = 0u; j < KT; j++) {
            s[j] += d[j];
        }
    }
    var m_new = *m;
    for (var j = 0u; j < KT; j++) {
        s[j] = select(MASKED, s[j], k0 + j < limit);
        m_new = max(m_new, s[j]);
    }
    var p = array<f32, 8>();
    var sum = 0.0;
    for (var j = 0u; j < KT; j++) {
        p[j] = select(exp(s[j] - m_new), 0.0, s[j] <= MASKED);
        sum += p[j];
    }
    let corr = exp(*m - m_new);
    *m = m_new;
    *l = *l * corr + sum;
    for (var g = 0u; g < GROUPS; g++) {
        (*acc)[g] = (*acc)[g] * corr + mix(p, v4(kb, g));
    }
}
