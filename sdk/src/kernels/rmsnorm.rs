//! RMSNorm over rows, optionally after the residual add (`shaders/rmsnorm.wgsl`).

use super::{bind, compose, pipeline, row_workgroup, Variant};
use crate::error::Result;
use crate::gpu::Gpu;

/// WGSL body.
pub const SOURCE: &str = include_str!("../../../shaders/rmsnorm.wgsl");

/// The composed source of one variant (also used by the naga validation test).
pub fn source(variant: Variant) -> String {
    compose(variant, true, &[SOURCE])
}

/// A pipeline normalising rows of `n` values.
#[derive(Debug)]
pub struct RmsNorm {
    pipeline: wgpu::ComputePipeline,
}

impl RmsNorm {
    /// Build for rows of `n` with epsilon `eps`: `out = norm(x)`, or with
    /// `add` the residual add first: `x += out; out = norm(x)`.
    pub fn new(gpu: &Gpu, n: usize, eps: f32, add: bool) -> Result<Self> {
        let (v, wg) = row_workgroup(gpu, Variant::of(gpu));
        Self::with_shape(gpu, n, eps, add, (v, wg))
    }

    /// [`RmsNorm::new`] with an explicit variant and workgroup size (tests run
    /// the GPU shape on any adapter).
    pub fn with_shape(gpu: &Gpu, n: usize, eps: f32, add: bool, (v, wg): (Variant, u32)) -> Result<Self> {
        let constants =
            [("N", n as f64), ("EPS", f64::from(eps)), ("ADD", if add { 1.0 } else { 0.0 }), ("WG", f64::from(wg))];
        let pipeline = pipeline(gpu, "rmsnorm", &source(v), &constants)?;
        Ok(RmsNorm { pipeline })
    }

    /// Bind the rows `x` (updated by the residual add), the weight vector and
    /// the output rows (holding the residual on entry when adding).
    pub fn bind(&self, gpu: &Gpu, x: &wgpu::Buffer, weight: &wgpu::Buffer, out: &wgpu::Buffer) -> wgpu::BindGroup {
        bind(
            gpu,
            &self.pipeline,
            "rmsnorm",
            &[x.as_entire_binding(), weight.as_entire_binding(), out.as_entire_binding()],
        )
    }

    /// Record normalising `rows` rows: one workgroup per row.
    pub fn dispatch(&self, pass: &mut wgpu::ComputePass<'_>, bg: &wgpu::BindGroup, rows: u32) {
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, bg, &[]);
        pass.dispatch_workgroups(rows, 1, 1);
    }
}

/// CPU reference: the same computation as the reference forward pass.
pub fn reference(x: &[f32], weight: &[f32], eps: f32) -> Vec<f32> {
    let mut out = vec![0.0; x.len()];
    for (o, r) in out.chunks_mut(weight.len()).zip(x.chunks(weight.len())) {
        crate::model::cpu::rmsnorm(o, r, weight, eps);
    }
    out
}

/// CPU reference of the fused form: `(x + residual, norm(x + residual))`.
pub fn reference_add(x: &[f32], residual: &[f32], weight: &[f32], eps: f32) -> (Vec<f32>, Vec<f32>) {
    let sum: Vec<f32> = x.iter().zip(residual).map(|(a, b)| a + b).collect();
    let out = reference(&sum, weight, eps);
    (sum, out)
}
