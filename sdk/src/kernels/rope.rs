//! Rotary position embedding, in place (`shaders/rope.wgsl`).

use super::{bind, compose, grid, pipeline, Variant};
use crate::error::{Error, Result};
use crate::gpu::Gpu;
use crate::model::RopeLayout;

/// WGSL body.
pub const SOURCE: &str = include_str!("../../../shaders/rope.wgsl");

/// The composed source of one variant.
pub fn source(variant: Variant) -> String {
    compose(variant, false, &[SOURCE])
}

/// RoPE over `tokens × n_heads × head_dim` rows, one invocation per rotated pair.
#[derive(Debug)]
pub struct Rope {
    pipeline: wgpu::ComputePipeline,
    pairs_per_token: u32,
}

impl Rope {
    /// Build for `n_heads` heads of `head_dim`, rotating the first `rope_dim` dims of each.
    pub fn new(gpu: &Gpu, n_heads: usize, head_dim: usize, rope_dim: usize, layout: RopeLayout) -> Result<Self> {
        if rope_dim == 0 || rope_dim % 2 != 0 || rope_dim > head_dim || n_heads == 0 {
            return Err(Error::InvalidArgument {
                reason: format!("rope: rope_dim {rope_dim} must be even, non-zero and ≤ head_dim {head_dim}"),
            });
        }
        let constants = [
            ("N_HEADS", n_heads as f64),
            ("HEAD_DIM", head_dim as f64),
            ("HALF", (rope_dim / 2) as f64),
            ("NEOX", if layout == RopeLayout::Neox { 1.0 } else { 0.0 }),
        ];
        let pipeline = pipeline(gpu, "rope", &source(Variant::of(gpu)), &constants)?;
        Ok(Rope { pipeline, pairs_per_token: (n_heads * rope_dim / 2) as u32 })
    }

    /// Bind the step uniform, the per-pair inverse frequencies (f32 × rope_dim/2) and `x` (rotated in place).
    pub fn bind(&self, gpu: &Gpu, step: &wgpu::Buffer, inv_freq: &wgpu::Buffer, x: &wgpu::Buffer) -> wgpu::BindGroup {
        bind(
            gpu,
            &self.pipeline,
            "rope",
            &[step.as_entire_binding(), inv_freq.as_entire_binding(), x.as_entire_binding()],
        )
    }

    /// Record the rotation of `tokens` tokens (the step uniform must say the same).
    pub fn dispatch(&self, pass: &mut wgpu::ComputePass<'_>, bg: &wgpu::BindGroup, tokens: u32) {
        let (x, y) = grid((tokens * self.pairs_per_token).div_ceil(64));
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, bg, &[]);
        pass.dispatch_workgroups(x, y, 1);
    }
}

/// CPU reference: `model::rope::apply` to each of `tokens` tokens of `n_heads × head_dim`,
/// token t at position `pos0 + t` (angles in f64, as the CPU forward pass).
pub fn reference(
    x: &[f32],
    n_heads: usize,
    head_dim: usize,
    layout: RopeLayout,
    inv_freq: &[f64],
    pos0: usize,
    tokens: usize,
) -> Vec<f32> {
    let mut out = x.to_vec();
    for (t, row) in out.chunks_exact_mut(n_heads * head_dim).take(tokens).enumerate() {
        crate::model::rope::apply(row, head_dim, layout, inv_freq, pos0 + t);
    }
    out
}
