//! Storing new keys/values into the KV cache at `step.pos`: the element-wise
//! store for an f32 cache, `shaders/kv_store.wgsl` (packing to f16) for an
//! f16 cache.

use super::elementwise::{Elementwise, Op};
use super::{bind, compose, grid, pipeline, Variant};
use crate::error::{Error, Result};
use crate::gpu::Gpu;
use crate::model::KvCacheType;

/// WGSL body of the f16 store.
pub const SOURCE: &str = include_str!("../../../shaders/kv_store.wgsl");

/// The composed source of the f16 store.
pub fn source(variant: Variant) -> String {
    compose(variant, false, &[SOURCE])
}

/// A store into one cache type for rows of `width` values.
#[derive(Debug)]
pub enum KvStore {
    /// f32 cache: `cache[pos * width + i] = rows[i]`.
    F32(Elementwise),
    /// f16 cache: two values packed per word.
    F16(wgpu::ComputePipeline),
}

impl KvStore {
    /// Build for `kind` and rows of `width` values (even for f16).
    pub fn new(gpu: &Gpu, kind: KvCacheType, width: usize) -> Result<Self> {
        match kind {
            KvCacheType::F32 => Ok(KvStore::F32(Elementwise::new(gpu, Op::StoreAtPos, width)?)),
            KvCacheType::F16 if width % 2 == 0 => {
                Ok(KvStore::F16(pipeline(gpu, "kv_store", &source(Variant::of(gpu)), &[("WIDTH", width as f64)])?))
            }
            KvCacheType::F16 => {
                Err(Error::InvalidArgument { reason: format!("an f16 KV cache needs an even row width, not {width}") })
            }
        }
    }

    /// Bind the step uniform, the cache and the new rows.
    pub fn bind(&self, gpu: &Gpu, step: &wgpu::Buffer, cache: &wgpu::Buffer, rows: &wgpu::Buffer) -> wgpu::BindGroup {
        match self {
            KvStore::F32(e) => e.bind(gpu, step, cache, rows),
            KvStore::F16(p) => bind(
                gpu,
                p,
                "kv_store",
                &[step.as_entire_binding(), cache.as_entire_binding(), rows.as_entire_binding()],
            ),
        }
    }

    /// Record storing `n` values (step.tokens × width).
    pub fn dispatch(&self, pass: &mut wgpu::ComputePass<'_>, bg: &wgpu::BindGroup, n: u32) {
        match self {
            KvStore::F32(e) => e.dispatch(pass, bg, n),
            KvStore::F16(p) => {
                let (x, y) = grid((n / 2).div_ceil(64));
                pass.set_pipeline(p);
                pass.set_bind_group(0, bg, &[]);
                pass.dispatch_workgroups(x, y, 1);
            }
        }
    }
}

/// CPU reference: what a value reads back as from a cache of `kind`.
pub fn reference(kind: KvCacheType, rows: &[f32]) -> Vec<f32> {
    rows.iter().map(|&v| kind.round(v)).collect()
}
