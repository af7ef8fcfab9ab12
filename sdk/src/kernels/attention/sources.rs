//! The attention kernels' WGSL: bodies, shared snippets, and their
//! composition per variant, cache type and head width.

use super::super::{compose, Variant};
use crate::model::KvCacheType;

/// WGSL body of the decode pass over key chunks.
pub const SOURCE: &str = include_str!("../../../../shaders/attention.wgsl");
/// WGSL body of the decode combine pass.
pub const COMBINE: &str = include_str!("../../../../shaders/attention_combine.wgsl");
/// The queries and `q4`, shared by every attention kernel.
pub const Q: &str = include_str!("../../../../shaders/attention_q.wgsl");
/// Output, row state and key range of both prefill kernels.
pub const PREFILL_IO: &str = include_str!("../../../../shaders/attention_prefill_io.wgsl");
/// WGSL body of the prefill kernel.
pub const PREFILL: &str = include_str!("../../../../shaders/attention_prefill.wgsl");
/// WGSL body of the prefill kernel for CPU adapters (query tokens per lane).
pub const PREFILL_LANES: &str = include_str!("../../../../shaders/attention_prefill_lanes.wgsl");
/// Eight keys across a subgroup (`KT`, `spread`, `dots`, `mix`, and
/// `attend_keys`, the online-softmax step of a lane's queries over them),
/// for the lane kernels that share keys through broadcasts.
pub const KEYS8: &str = include_str!("../../../../shaders/attention_keys8.wgsl");
/// WGSL body of the decode split pass for CPU adapters and grouped-query
/// heads (a query head per lane).
pub const DECODE_GROUP: &str = include_str!("../../../../shaders/attention_decode_group.wgsl");

/// The cache accessors (`k4`/`v4` and bindings 2, 3) of each cache type:
/// one vector load per 4 dims where heads are a multiple of 4 wide, scalar
/// loads with bounds selects otherwise.
pub fn kv_snippet(kv: KvCacheType, head_dim: usize) -> &'static str {
    match (kv, head_dim % 4 == 0) {
        (KvCacheType::F32, true) => include_str!("../../../../shaders/kv_f32_vec4.wgsl"),
        (KvCacheType::F32, false) => include_str!("../../../../shaders/kv_f32.wgsl"),
        (KvCacheType::F16, true) => include_str!("../../../../shaders/kv_f16_vec4.wgsl"),
        (KvCacheType::F16, false) => include_str!("../../../../shaders/kv_f16.wgsl"),
    }
}

/// Composed sources: the decode pass, the combine pass, the prefill kernel.
pub fn sources(variant: Variant, kv: KvCacheType, head_dim: usize) -> [String; 3] {
    // The snippet reads HEAD_DIM, declared by the bodies: overrides may be
    // used before their declaration in WGSL (module scope is order-free).
    [
        compose(variant, true, &[Q, kv_snippet(kv, head_dim), SOURCE]),
        compose(variant, true, &[COMBINE]),
        compose(variant, false, &[Q, PREFILL_IO, kv_snippet(kv, head_dim), PREFILL]),
    ]
}

/// WGSL body of the decode split pass for CPU adapters.
pub const LANES: &str = include_str!("../../../../shaders/attention_lanes.wgsl");

/// The lane decode pass's source (needs a subgroup variant).
pub fn lanes_source(variant: Variant, kv: KvCacheType, head_dim: usize) -> String {
    compose(variant, false, &[Q, kv_snippet(kv, head_dim), LANES])
}

/// The lane prefill kernel's source (needs a subgroup variant).
pub fn prefill_lanes_source(variant: Variant, kv: KvCacheType, head_dim: usize) -> String {
    compose(variant, false, &[Q, PREFILL_IO, kv_snippet(kv, head_dim), KEYS8, PREFILL_LANES])
}

/// The grouped lane decode pass's source (needs a subgroup variant).
pub fn decode_group_source(variant: Variant, kv: KvCacheType, head_dim: usize) -> String {
    compose(variant, false, &[Q, kv_snippet(kv, head_dim), KEYS8, DECODE_GROUP])
}
