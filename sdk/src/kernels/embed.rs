//! Embedding row lookup with dequantization (`shaders/embed.wgsl`).

use super::{bind_chunks, compose, Variant};
use crate::error::Result;
use crate::gpu::weights::{GpuMatrix, GpuType};
use crate::gpu::Gpu;

/// WGSL body.
pub const SOURCE: &str = include_str!("../../../shaders/embed.wgsl");

/// The composed source for a weight type and variant.
pub fn source(ty: GpuType, variant: Variant) -> String {
    compose(variant, false, &[ty.snippet(), SOURCE])
}

/// `out[t] = E[tokens[t]]`, the token ids read on the GPU (so a sampled token
/// feeds the next step without a round trip).
#[derive(Debug)]
pub struct Embed {
    parts: Vec<(wgpu::ComputePipeline, wgpu::BindGroup, u32)>,
}

impl Embed {
    /// Bind the table to the step uniform, the token ids and the output rows.
    pub fn new(
        gpu: &Gpu,
        m: &GpuMatrix,
        step: &wgpu::Buffer,
        tokens: &wgpu::Buffer,
        out: &wgpu::Buffer,
    ) -> Result<Self> {
        let src = source(m.ty, Variant::of(gpu));
        let parts = bind_chunks(gpu, m, "embed", &src, &[], |c| {
            vec![step.as_entire_binding(), c.storage.binding(), tokens.as_entire_binding(), out.as_entire_binding()]
        })?;
        Ok(Embed { parts })
    }

    /// Record the lookup for `tokens` tokens: one workgroup per token per chunk.
    pub fn dispatch(&self, pass: &mut wgpu::ComputePass<'_>, tokens: u32) {
        for (p, bg, _) in &self.parts {
            pass.set_pipeline(p);
            pass.set_bind_group(0, bg, &[]);
            pass.dispatch_workgroups(tokens, 1, 1);
        }
    }
}
