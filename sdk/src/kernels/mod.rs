//! WGSL compute kernels: one `.wgsl` in `shaders/` and one Rust twin here per
//! op, each with its parameters, bind layout, dispatch sizing and a plain CPU
//! reference used by the tests.
//!
//! Variants: WGSL has no preprocessor, so a kernel's final source is composed
//! by concatenation (the "define step"): an optional `enable f16;` header, the
//! reduction helpers (`reduce_subgroup.wgsl` or `reduce_shared.wgsl`), the
//! weight-type accessors (`dtype_<type>.wgsl`) and the kernel body. Sizes are
//! `override` constants set when the pipeline is created.

pub mod argmax;
pub mod attention;
pub mod elementwise;
pub mod embed;
pub mod fma_peak;
pub mod matmul;
pub mod matmul_coop;
pub mod matmul_q8;
pub mod matvec;
pub mod qkv_post;
pub mod quantize_x;
pub mod rmsnorm;
pub mod stream_read;

use crate::error::{Error, Result};
use crate::gpu::Gpu;

/// Which optional GPU features a kernel variant uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Variant {
    /// `enable f16;` and f16 arithmetic.
    pub f16: bool,
    /// Subgroup builtins (`subgroupAdd`, `subgroupMax`) for reductions.
    pub subgroups: bool,
}

impl Variant {
    /// Every combination, for validating all sources.
    pub const ALL: [Variant; 4] = [
        Variant { f16: false, subgroups: false },
        Variant { f16: true, subgroups: false },
        Variant { f16: false, subgroups: true },
        Variant { f16: true, subgroups: true },
    ];

    /// The variant to build for a device: f16 and subgroups wherever the
    /// device was opened with them.
    ///
    /// f16 is used for storage only (F16 weights load as `vec4<f16>`, exactly
    /// converted to f32); arithmetic stays f32 everywhere, because the
    /// logits must agree with transformers within 1e-3.
    pub fn of(gpu: &Gpu) -> Self {
        Variant { f16: gpu.f16, subgroups: gpu.subgroups }
    }
}

/// The `Step` uniform struct shared by every kernel.
pub const COMMON: &str = include_str!("../../../shaders/common.wgsl");

/// Per-call values every kernel may read (`shaders/common.wgsl`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct Step {
    /// Tokens in this call.
    pub tokens: u32,
    /// Position of the first token.
    pub pos: u32,
    /// KV-cache length after this call.
    pub kv_len: u32,
    /// Padding to 16 bytes.
    pub pad: u32,
}

/// Workgroup-reduction helpers: `wg_sum` / `wg_max` over the workgroup.
pub const REDUCE_SHARED: &str = include_str!("../../../shaders/reduce_shared.wgsl");
/// The same helpers built on subgroup operations.
pub const REDUCE_SUBGROUP: &str = include_str!("../../../shaders/reduce_subgroup.wgsl");

/// How a weight kernel reads its activations (binding 2, `x4`): as vec4s for
/// block types, whose rows are whole blocks of 32; as scalars with a bounds
/// check at the row's end for F32/F16 rows of any length.
pub fn activations(ty: crate::gpu::weights::GpuType) -> &'static str {
    use crate::gpu::weights::GpuType;
    match ty {
        GpuType::F32 | GpuType::F16 => include_str!("../../../shaders/x_scalar.wgsl"),
        GpuType::Q8_0 | GpuType::Q4_0 | GpuType::Q4_K | GpuType::Q6_K => include_str!("../../../shaders/x_vec4.wgsl"),
    }
}

/// Compose a kernel's final source: the define step.
pub fn compose(variant: Variant, reduce: bool, parts: &[&str]) -> String {
    let mut s = String::new();
    if variant.f16 {
        s.push_str("enable f16;\n");
    }
    s.push_str(COMMON);
    s.push('\n');
    if reduce {
        s.push_str(if variant.subgroups { REDUCE_SUBGROUP } else { REDUCE_SHARED });
        s.push('\n');
    }
    for p in parts {
        s.push_str(p);
        s.push('\n');
    }
    s
}

/// Workgroup size for reduction kernels: one subgroup when subgroups are used
/// (so a single `subgroupAdd` reduces the whole workgroup: a workgroup of the
/// adapter's *minimum* subgroup size always fits in one subgroup), else 64.
pub fn reduce_workgroup(gpu: &Gpu, variant: Variant) -> u32 {
    if variant.subgroups {
        gpu.summary.subgroup_size.0.clamp(1, 128)
    } else {
        64
    }
}

/// Variant and workgroup size for a kernel in which one workgroup works
/// through a long row on its own (RMSNorm of one token, a decode-attention
/// chunk). CPU adapters: one subgroup, as [`reduce_workgroup`]. GPUs: 256
/// invocations reducing through workgroup memory, because a single 32-lane
/// subgroup walking a row is a chain of dependent loads: RMSNorm of a
/// 2048-value row took 47 µs on an H100 that way (`hearth bench --profile`).
pub fn row_workgroup(gpu: &Gpu, variant: Variant) -> (Variant, u32) {
    if gpu.is_cpu_adapter() {
        (variant, reduce_workgroup(gpu, variant))
    } else {
        (Variant { subgroups: false, ..variant }, ROW_WORKGROUP)
    }
}

/// Invocations of a [`row_workgroup`] on a GPU (a power of two, as the
/// shared-memory reduction needs).
pub const ROW_WORKGROUP: u32 = 256;

/// Build (or reuse) a compute pipeline from composed source and override
/// constants. Layers share shapes, so most pipelines are built once per model.
/// Shader errors surface as `Error::Gpu` (wgpu reports them through an error
/// scope rather than a return value).
pub fn pipeline(gpu: &Gpu, label: &str, source: &str, constants: &[(&str, f64)]) -> Result<wgpu::ComputePipeline> {
    let key = format!("{label}|{constants:?}|{}", source.len());
    let key = format!("{key}|{:x}", fnv1a(source.as_bytes()));
    let lock_err = |_| Error::Gpu { reason: "pipeline cache lock poisoned".into() };
    if let Some(p) = gpu.pipelines.lock().map_err(lock_err)?.get(&key) {
        return Ok(p.clone());
    }
    let scope = gpu.device.push_error_scope(wgpu::ErrorFilter::Validation);
    let module = gpu.device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some(label),
        source: wgpu::ShaderSource::Wgsl(source.into()),
    });
    let p = gpu.device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some(label),
        layout: None,
        module: &module,
        entry_point: Some("main"),
        compilation_options: wgpu::PipelineCompilationOptions { constants, zero_initialize_workgroup_memory: false },
        cache: None,
    });
    if let Some(e) = pollster::block_on(scope.pop()) {
        return Err(Error::Gpu { reason: format!("pipeline {label}: {e}") });
    }
    gpu.pipelines.lock().map_err(lock_err)?.insert(key, p.clone());
    Ok(p)
}

/// FNV-1a, to key the pipeline cache by source text.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Bind buffers to bindings 0.. of group 0 in order.
pub fn bind(
    gpu: &Gpu,
    p: &wgpu::ComputePipeline,
    label: &str,
    buffers: &[wgpu::BindingResource<'_>],
) -> wgpu::BindGroup {
    let entries: Vec<wgpu::BindGroupEntry<'_>> = buffers
        .iter()
        .enumerate()
        .map(|(i, r)| wgpu::BindGroupEntry { binding: i as u32, resource: r.clone() })
        .collect();
    gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some(label),
        layout: &p.get_bind_group_layout(0),
        entries: &entries,
    })
}

/// A weight-matrix kernel's pipeline and bind group for each row chunk of `m`
/// (one per storage binding), with the shared constants N, ROW_WORDS, ROWS and
/// ROW_OFFSET plus `extra`; the third item is the chunk's row count.
pub(crate) fn bind_chunks<'a>(
    gpu: &Gpu,
    m: &'a crate::gpu::weights::GpuMatrix,
    label: &str,
    source: &str,
    extra: &[(&str, f64)],
    bindings: impl Fn(&'a crate::gpu::weights::Chunk) -> Vec<wgpu::BindingResource<'a>>,
) -> Result<Vec<(wgpu::ComputePipeline, wgpu::BindGroup, u32)>> {
    let textured;
    let source = if m.in_textures() {
        textured = crate::gpu::storage::texture_source(source)?;
        textured.as_str()
    } else {
        source
    };
    let mut parts = Vec::with_capacity(m.chunks.len());
    for c in &m.chunks {
        let mut constants = vec![
            ("N", m.cols as f64),
            ("ROW_WORDS", m.row_words as f64),
            ("ROWS", c.rows as f64),
            ("ROW_OFFSET", c.row_offset as f64),
            ("TILE_ROWS", m.tile_rows as f64),
        ];
        if let Some(width) = c.storage.texture_width() {
            constants.push(("TEXTURE_WIDTH", f64::from(width)));
        }
        constants.extend_from_slice(extra);
        let p = pipeline(gpu, label, source, &constants)?;
        let bg = bind(gpu, &p, label, &bindings(c));
        parts.push((p, bg, c.rows as u32));
    }
    Ok(parts)
}

/// Workgroup counts for `n` workgroups, folded into y when x would exceed the
/// 65535 limit. Kernels recover the flat index as `id.x + id.y * nwg.x`.
pub fn grid(n: u32) -> (u32, u32) {
    const MAX: u32 = 65535;
    if n <= MAX {
        (n.max(1), 1)
    } else {
        (MAX, n.div_ceil(MAX))
    }
}

/// Every kernel's composed source for a variant, named, for validation.
pub fn all_sources(variant: Variant) -> Vec<(String, String)> {
    let mut v =
        vec![("rmsnorm".into(), rmsnorm::source(variant, false)), ("elementwise".into(), elementwise::source(variant))];
    v.push(("rmsnorm q8".into(), rmsnorm::source(variant, true)));
    for ty in crate::gpu::weights::GpuType::ALL {
        for lane_rows in [false, true] {
            v.push((format!("matvec {ty:?} rows={lane_rows}"), matvec::source(ty, variant, lane_rows)));
            let uniform = matvec::source_uniform_x(ty, variant, lane_rows, 64);
            v.push((format!("matvec {ty:?} rows={lane_rows} x-uniform"), uniform));
        }
        for uniform_cols in [None, Some(64)] {
            for shared in [false, true] {
                if let Some(src) = matvec::source_q8_x(ty, variant, uniform_cols, shared) {
                    let name = format!("matvec {ty:?} q8-x uniform={} shared={shared}", uniform_cols.is_some());
                    v.push((name, src));
                }
            }
        }
        v.push((format!("matmul {ty:?}"), matmul::source(ty, variant, false)));
        if variant.subgroups {
            v.push((format!("matmul {ty:?} x-shared"), matmul::source(ty, variant, true)));
            if let Ok(src) = matmul_q8::source(ty, variant) {
                v.push((format!("matmul_q8 {ty:?}"), src));
            }
        }
        v.push((format!("embed {ty:?}"), embed::source(ty, variant)));
    }
    // Head widths of both cache accessors: vector loads (64) and scalar (10).
    for (kv, hd) in
        [crate::model::KvCacheType::F32, crate::model::KvCacheType::F16].into_iter().flat_map(|kv| [(kv, 64), (kv, 10)])
    {
        let [split, combine, prefill] = attention::sources(variant, kv, hd);
        v.push((format!("attention {kv:?} {hd}"), split));
        v.push((format!("attention_combine {kv:?} {hd}"), combine));
        v.push((format!("attention_prefill {kv:?} {hd}"), prefill));
        if variant.subgroups {
            v.push((format!("attention_prefill_lanes {kv:?} {hd}"), attention::prefill_lanes_source(variant, kv, hd)));
            v.push((format!("attention_lanes {kv:?} {hd}"), attention::lanes_source(variant, kv, hd)));
            v.push((format!("attention_decode_group {kv:?} {hd}"), attention::decode_group_source(variant, kv, hd)));
        }
    }
    for kv in [crate::model::KvCacheType::F32, crate::model::KvCacheType::F16] {
        v.push((format!("qkv_post {kv:?}"), qkv_post::source(variant, kv)));
    }
    v.push(("argmax logits".into(), argmax::source(variant, false)));
    v.push(("argmax pairs".into(), argmax::source(variant, true)));
    v.push(("quantize_x".into(), quantize_x::source(variant)));
    v.push(("stream_read".into(), stream_read::source(variant, false)));
    v.push(("stream_read texture".into(), stream_read::source(variant, true)));
    v.push(("fma_peak".into(), fma_peak::source(variant)));
    // The block types' weight kernels again, reading a texture.
    let storage = crate::gpu::storage::STORAGE_SNIPPET;
    let textured: Vec<(String, String)> = v
        .iter()
        .filter(|(_, s)| s.contains(storage))
        .filter_map(|(n, s)| Some((format!("{n} textures"), crate::gpu::storage::texture_source(s).ok()?)))
        .collect();
    v.extend(textured);
    v
}

#[cfg(test)]
mod validate {
    use super::*;

    /// Parse and validate with naga, with exactly the capabilities the variant
    /// asks for: a plain variant must validate on a device without f16 or
    /// subgroups (many mobile GPUs, the GL backend).
    fn check(name: &str, variant: Variant, src: &str) {
        let module = naga::front::wgsl::parse_str(src)
            .unwrap_or_else(|e| panic!("{name} {variant:?}: {}", e.emit_to_string(src)));
        // unpack2x16float is core WGSL (naga files it under a capability
        // because some GL/DX11-level devices lack it; `Gpu::open` refuses those).
        let mut caps = naga::valid::Capabilities::SHADER_FLOAT16_IN_FLOAT32;
        if variant.f16 {
            caps |= naga::valid::Capabilities::SHADER_FLOAT16;
        }
        if variant.subgroups {
            caps |= naga::valid::Capabilities::SUBGROUP;
        }
        let mut v = naga::valid::Validator::new(naga::valid::ValidationFlags::all(), caps);
        v.subgroup_stages(naga::valid::ShaderStages::COMPUTE);
        v.subgroup_operations(naga::valid::SubgroupOperationSet::all());
        if let Err(e) = v.validate(&module) {
            panic!("{name} {variant:?}: {}", e.emit_to_string(src));
        }
    }

    #[test]
    fn every_kernel_variant_validates() {
        for variant in Variant::ALL {
            let sources = all_sources(variant);
            assert!(!sources.is_empty());
            for (name, src) in sources {
                check(&name, variant, &src);
            }
        }
    }

    #[test]
    fn cooperative_matrix_kernels_validate() {
        // Built only for devices with f16, subgroups and cooperative matrices.
        let caps = naga::valid::Capabilities::SHADER_FLOAT16_IN_FLOAT32
            | naga::valid::Capabilities::SHADER_FLOAT16
            | naga::valid::Capabilities::SUBGROUP
            | naga::valid::Capabilities::COOPERATIVE_MATRIX;
        for ty in crate::gpu::weights::GpuType::ALL {
            for tile in [8, 16] {
                let src = matmul_coop::source(ty, tile).unwrap();
                let module = naga::front::wgsl::parse_str(&src)
                    .unwrap_or_else(|e| panic!("matmul_coop {ty:?} {tile}: {}", e.emit_to_string(&src)));
                let mut v = naga::valid::Validator::new(naga::valid::ValidationFlags::all(), caps);
                v.subgroup_stages(naga::valid::ShaderStages::COMPUTE);
                v.subgroup_operations(naga::valid::SubgroupOperationSet::all());
                if let Err(e) = v.validate(&module) {
                    panic!("matmul_coop {ty:?} {tile}: {}", e.emit_to_string(&src));
                }
            }
        }
        assert!(matmul_coop::source(crate::gpu::weights::GpuType::F32, 32).is_err());
    }

    #[test]
    fn plain_variants_use_no_optional_feature() {
        let plain = Variant { f16: false, subgroups: false };
        for (name, src) in all_sources(plain) {
            assert!(!src.contains("enable f16"), "{name}");
            assert!(!src.contains("subgroup"), "{name}");
        }
    }
}
