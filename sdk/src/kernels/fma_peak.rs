//! FMA throughput (`shaders/fma_peak.wgsl`): the adapter's arithmetic
//! roofline, which `hearth bench` compares prefill (matrix-matrix) FLOP/s with.

use super::{bind, compose, grid, pipeline, Variant};
use crate::error::Result;
use crate::gpu::Gpu;

/// WGSL body.
pub const SOURCE: &str = include_str!("../../../shaders/fma_peak.wgsl");

/// Invocations per workgroup (fixed in the shader).
pub const WORKGROUP: u32 = 64;
/// Independent vec4 chains per invocation (fixed in the shader).
const CHAINS: u32 = 8;

/// The composed source for a variant.
pub fn source(variant: Variant) -> String {
    compose(variant, false, &[SOURCE])
}

/// Floating-point operations of one dispatch (an FMA counts as 2).
pub fn flops(workgroups: u32, iters: u32) -> f64 {
    f64::from(workgroups) * f64::from(WORKGROUP) * f64::from(iters) * f64::from(CHAINS) * 4.0 * 2.0
}

/// CPU reference: the vec4 each invocation writes.
pub fn reference(invocations: u32, iters: u32) -> Vec<[f32; 4]> {
    (0..invocations)
        .map(|id| {
            let s = (id % 1024) as f32 * 1e-3;
            let mut sum = [0f32; 4];
            for chain in 0..CHAINS {
                for (lane, out) in sum.iter_mut().enumerate() {
                    let mut a = s + 0.1 * lane as f32 + 0.01 * chain as f32;
                    for _ in 0..iters {
                        a = a.mul_add(0.999, 0.001);
                    }
                    *out += a;
                }
            }
            sum
        })
        .collect()
}

/// The bound kernel.
#[derive(Debug)]
pub struct FmaPeak {
    pipeline: wgpu::ComputePipeline,
    bind_group: wgpu::BindGroup,
    workgroups: u32,
}

impl FmaPeak {
    /// `workgroups` × 64 invocations of `iters` steps, writing one vec4 each to
    /// `out` (≥ workgroups × 64 × 16 bytes).
    pub fn new(gpu: &Gpu, workgroups: u32, iters: u32, out: &wgpu::Buffer) -> Result<Self> {
        let pipeline = pipeline(gpu, "fma_peak", &source(Variant::of(gpu)), &[("ITERS", f64::from(iters))])?;
        let bind_group = bind(gpu, &pipeline, "fma_peak", &[out.as_entire_binding()]);
        Ok(FmaPeak { pipeline, bind_group, workgroups })
    }

    /// Record one dispatch.
    pub fn dispatch(&self, pass: &mut wgpu::ComputePass<'_>) {
        let (x, y) = grid(self.workgroups);
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &self.bind_group, &[]);
        pass.dispatch_workgroups(x, y, 1);
    }
}
