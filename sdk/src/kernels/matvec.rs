//! Matrix-vector product for decode (`shaders/matvec.wgsl`), per weight type.

use super::{bind_chunks, compose, grid, reduce_workgroup, Variant};
use crate::error::Result;
use crate::gpu::weights::{GpuMatrix, GpuType};
use crate::gpu::Gpu;

/// WGSL body.
pub const SOURCE: &str = include_str!("../../../shaders/matvec.wgsl");

/// The composed source for a weight type and variant.
pub fn source(ty: GpuType, variant: Variant) -> String {
    compose(variant, true, &[ty.snippet(), SOURCE])
}

/// `out = W · x` for one matrix; one pipeline and bind group per row chunk.
#[derive(Debug)]
pub struct MatVec {
    parts: Vec<(wgpu::ComputePipeline, wgpu::BindGroup, u32)>,
}

impl MatVec {
    /// Bind `m` to the step uniform, input rows `x` (stride cols; the last of
    /// `step.tokens` rows is used) and output `out` (≥ rows values).
    pub fn new(gpu: &Gpu, m: &GpuMatrix, step: &wgpu::Buffer, x: &wgpu::Buffer, out: &wgpu::Buffer) -> Result<Self> {
        let v = Variant::of(gpu);
        let src = source(m.ty, v);
        let parts = bind_chunks(gpu, m, "matvec", &src, &[("WG", f64::from(reduce_workgroup(gpu, v)))], |c| {
            vec![step.as_entire_binding(), c.buffer.as_entire_binding(), x.as_entire_binding(), out.as_entire_binding()]
        })?;
        Ok(MatVec { parts })
    }

    /// Record the product: one workgroup per output row.
    pub fn dispatch(&self, pass: &mut wgpu::ComputePass<'_>) {
        for (p, bg, rows) in &self.parts {
            let (x, y) = grid(*rows);
            pass.set_pipeline(p);
            pass.set_bind_group(0, bg, &[]);
            pass.dispatch_workgroups(x, y, 1);
        }
    }
}
