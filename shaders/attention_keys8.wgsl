// Eight keys at a time across a subgroup, for the lane attention kernels
// (attention_prefill_lanes.wgsl, attention_decode_group.wgsl): lane j holds
// four dims of key (or value) j, and every lane takes all eight through
// subgroupBroadcast with a constant lane, which lavapipe turns into an
// extract and a splat, because it runs a storage load lane by lane even when
// every lane reads one address.

const KT: u32 = 8u;   // keys per step (at most the subgroup size)

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
