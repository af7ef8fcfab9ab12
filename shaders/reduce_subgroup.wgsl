// Workgroup reductions with subgroup operations. The host sets WG to the
// adapter's minimum subgroup size, so the whole workgroup is one subgroup and
// a single subgroupAdd reduces it (no barriers: 3-6x faster on lavapipe).
// `lid` is unused but kept so kernels call both variants the same way.

override WG: u32 = 32u;

fn wg_sum(v: f32, lid: u32) -> f32 {
    return subgroupAdd(v);
}

fn wg_max(v: f32, lid: u32) -> f32 {
    return subgroupMax(v);
}
