//! Tiled matrix-matrix product for prefill (`shaders/matmul.wgsl`), per weight type.

use super::{bind_chunks, compose, Variant};
use crate::error::Result;
use crate::gpu::weights::{GpuMatrix, GpuType};
use crate::gpu::Gpu;

/// WGSL body.
pub const SOURCE: &str = include_str!("../../../shaders/matmul.wgsl");

/// Rows and tokens per workgroup tile (`TILE` in the shader).
pub const TILE: u32 = 8;

/// The composed source for a weight type and variant.
pub fn source(ty: GpuType, variant: Variant) -> String {
    compose(variant, false, &[ty.snippet(), SOURCE])
}

/// `out[t] = W · x[t]` for a batch of tokens; one pipeline and bind group per row chunk.
#[derive(Debug)]
pub struct MatMul {
    parts: Vec<(wgpu::ComputePipeline, wgpu::BindGroup, u32)>,
}

impl MatMul {
    /// Bind `m` to the step uniform, input rows `x` (stride cols) and output rows `out` (stride rows).
    pub fn new(gpu: &Gpu, m: &GpuMatrix, step: &wgpu::Buffer, x: &wgpu::Buffer, out: &wgpu::Buffer) -> Result<Self> {
        let src = source(m.ty, Variant::of(gpu));
        let parts = bind_chunks(gpu, m, "matmul", &src, &[("OUT_STRIDE", m.rows as f64)], |c| {
            vec![step.as_entire_binding(), c.buffer.as_entire_binding(), x.as_entire_binding(), out.as_entire_binding()]
        })?;
        Ok(MatMul { parts })
    }

    /// Record the product for `tokens` tokens (the step uniform must say the same).
    pub fn dispatch(&self, pass: &mut wgpu::ComputePass<'_>, tokens: u32) {
        for (p, bg, rows) in &self.parts {
            pass.set_pipeline(p);
            pass.set_bind_group(0, bg, &[]);
            pass.dispatch_workgroups(rows.div_ceil(TILE), tokens.div_ceil(TILE), 1);
        }
    }
}
