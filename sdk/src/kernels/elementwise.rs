//! SwiGLU, of two matrices' products or of interleaved pairs (`shaders/elementwise.wgsl`).

use super::{bind, compose, grid, pipeline, Variant};
use crate::error::Result;
use crate::gpu::Gpu;

/// WGSL body.
pub const SOURCE: &str = include_str!("../../../shaders/elementwise.wgsl");

/// The composed source of one variant.
pub fn source(variant: Variant) -> String {
    compose(variant, false, &[SOURCE])
}

/// Which element-wise op.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `a = silu(a) * b`
    SwiGlu = 0,
    /// `a[i] = silu(b[2i]) * b[2i + 1]` (gate/up pairs, interleaved rows)
    SwiGluPairs = 1,
}

/// An element-wise pipeline.
#[derive(Debug)]
pub struct Elementwise {
    pipeline: wgpu::ComputePipeline,
}

impl Elementwise {
    /// Build the pipeline for `op` over rows of `width` values.
    pub fn new(gpu: &Gpu, op: Op, width: usize) -> Result<Self> {
        let constants = [("OP", op as u32 as f64), ("WIDTH", width as f64)];
        let p = pipeline(gpu, "elementwise", &source(Variant::of(gpu)), &constants)?;
        Ok(Elementwise { pipeline: p })
    }

    /// Bind the step uniform, `a` (updated in place) and `b`.
    pub fn bind(&self, gpu: &Gpu, step: &wgpu::Buffer, a: &wgpu::Buffer, b: &wgpu::Buffer) -> wgpu::BindGroup {
        bind(
            gpu,
            &self.pipeline,
            "elementwise",
            &[step.as_entire_binding(), a.as_entire_binding(), b.as_entire_binding()],
        )
    }

    /// Record the op over `n` elements (step.tokens × width).
    pub fn dispatch(&self, pass: &mut wgpu::ComputePass<'_>, bg: &wgpu::BindGroup, n: u32) {
        let (x, y) = grid(n.div_ceil(64));
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, bg, &[]);
        pass.dispatch_workgroups(x, y, 1);
    }
}

/// CPU reference: `a` after the op.
pub fn reference(op: Op, a: &[f32], b: &[f32]) -> Vec<f32> {
    let mut out = a.to_vec();
    match op {
        Op::SwiGlu => out.iter_mut().zip(b).for_each(|(x, y)| *x = *x / (1.0 + (-*x).exp()) * y),
        Op::SwiGluPairs => {
            out.iter_mut().zip(b.chunks_exact(2)).for_each(|(x, p)| *x = p[0] / (1.0 + (-p[0]).exp()) * p[1])
        }
    }
    out
}
