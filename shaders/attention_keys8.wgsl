// Eight keys at a time across a subgroup, for the lane attention kernels
// (attention_prefill_lanes.wgsl, attention_decode_group.wgsl): lane j holds
// four dims of key (or value) j, and every lane takes all eight through
// subgroupBroadcast with a constant lane, which lavapipe turns into an
// extract and a splat, because it runs a storage load lane by lane even when
// every lane reads one address.
//
// A lane owns QPL queries (a constant or override of the including kernel,
// at most MAX_QUERIES): each key a lane loads then serves QPL queries of
// every lane. Query i's dim group g is element i · MAX_GROUPS + g of the
// lane's query and output arrays.

const KT: u32 = 8u;   // keys per step (at most the subgroup size)
const MAX_GROUPS: u32 = 64u;   // a lane's query and output: heads up to 4 · 64 wide
const MAX_QUERIES: u32 = 2u;   // queries per lane, at most
const LANE_VECS: u32 = 128u;   // MAX_QUERIES · MAX_GROUPS
const MASKED: f32 = -1e30;     // finite, so MASKED - MASKED is 0 and never NaN

// Lane j's v, in every lane.
fn spread(v: vec4<f32>) -> array<vec4<f32>, 8> {
    return array<vec4<f32>, 8>(
        subgroupBroadcast(v, 0u), subgroupBroadcast(v, 1u), subgroupBroadcast(v, 2u), subgroupBroadcast(v, 3u),
        subgroupBroadcast(v, 4u), subgroupBroadcast(v, 5u), subgroupBroadcast(v, 6u), subgroupBroadcast(v, 7u));
}

// The eight keys' dims, as one dot product each with `a`.
fn dots(a: vec4<f32>, k: array<vec4<f32>, 8>) -> array<f32, 8> {
    return array<f32, 8>(dot(a, k[0]), dot(a, k[1]), dot(a, k[2]), dot(a, k[3]),
                         dot(a, k[4]), dot(a, k[5]), dot(a, k[6]), dot(a, k[7]));
}

// Σ_j p[j] · v[j].
fn mix(p: array<f32, 8>, v: array<vec4<f32>, 8>) -> vec4<f32> {
    return p[0] * v[0] + p[1] * v[1] + p[2] * v[2] + p[3] * v[3]
        + p[4] * v[4] + p[5] * v[5] + p[6] * v[6] + p[7] * v[7];
}

// One query's online-softmax update over eight scores: the probabilities,
// the factor that rescales its earlier output, and the new maximum and sum.
struct Probs {
    p: array<f32, 8>,
    corr: f32,
    m: f32,
    l: f32,
}

// Keys from `limit` on (key k0 + j has score j) are masked and contribute
// exactly nothing, even to a query that has seen no key yet.
fn softmax8(scores: array<f32, 8>, m: f32, l: f32, k0: u32, limit: u32) -> Probs {
    var s = scores;
    var m_new = m;
    for (var j = 0u; j < KT; j++) {
        s[j] = select(MASKED, s[j], k0 + j < limit);
        m_new = max(m_new, s[j]);
    }
    var r: Probs;
    var sum = 0.0;
    for (var j = 0u; j < KT; j++) {
        r.p[j] = select(exp(s[j] - m_new), 0.0, s[j] <= MASKED);
        sum += r.p[j];
    }
    r.corr = exp(m - m_new);
    r.m = m_new;
    r.l = l * r.corr + sum;
    return r;
}

// One online-softmax step of a lane's QPL queries (pre-scaled `qs`; running
// unnormalised outputs `acc`, maxima `m` and sums `l`) over the KT keys of
// lanes 0..7: lane j's key and value start at cache offset `kb` and its key
// is number k0 + j; query i sees keys below limit[i]. GROUPS (dim groups of
// the head), QPL and k4/v4 come from the including kernel.
fn attend_keys(qs: ptr<function, array<vec4<f32>, LANE_VECS>>, acc: ptr<function, array<vec4<f32>, LANE_VECS>>,
               m: ptr<function, array<f32, MAX_QUERIES>>, l: ptr<function, array<f32, MAX_QUERIES>>,
               kb: u32, k0: u32, limit: array<u32, MAX_QUERIES>) {
    var s: array<array<f32, 8>, MAX_QUERIES>;
    for (var g = 0u; g < GROUPS; g++) {
        let k = spread(k4(kb, g));
        for (var i = 0u; i < QPL; i++) {
            let d = dots((*qs)[i * MAX_GROUPS + g], k);
            for (var j = 0u; j < KT; j++) {
                s[i][j] += d[j];
            }
        }
    }
    var pr: array<Probs, MAX_QUERIES>;
    for (var i = 0u; i < QPL; i++) {
        pr[i] = softmax8(s[i], (*m)[i], (*l)[i], k0, limit[i]);
        (*m)[i] = pr[i].m;
        (*l)[i] = pr[i].l;
    }
    for (var g = 0u; g < GROUPS; g++) {
        let v = spread(v4(kb, g));
        for (var i = 0u; i < QPL; i++) {
            let a = i * MAX_GROUPS + g;
            (*acc)[a] = (*acc)[a] * pr[i].corr + mix(pr[i].p, v);
        }
    }
}
