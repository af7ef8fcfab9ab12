//! RMSNorm over rows, optionally after the residual add (`shaders/rmsnorm.wgsl`),
//! optionally writing the last row in 8-bit blocks too (`shaders/rmsnorm_q8.wgsl`).

use super::{bind, compose, pipeline, quantize_x, row_workgroup, Variant};
use crate::error::{Error, Result};
use crate::gpu::Gpu;

/// WGSL body.
pub const SOURCE: &str = include_str!("../../../shaders/rmsnorm.wgsl");

/// The composed source of one variant (also used by the naga validation
/// test); `q8`: the quantizing one.
pub fn source(variant: Variant, q8: bool) -> String {
    if q8 {
        compose(variant, true, &[quantize_x::Q8_BLOCK, include_str!("../../../shaders/rmsnorm_q8.wgsl"), SOURCE])
    } else {
        compose(variant, true, &[include_str!("../../../shaders/rmsnorm_plain.wgsl"), SOURCE])
    }
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
    pub fn with_shape(gpu: &Gpu, n: usize, eps: f32, add: bool, shape: (Variant, u32)) -> Result<Self> {
        Self::build(gpu, n, eps, add, shape, false)
    }

    /// [`RmsNorm::new`] that also writes the last row normalized in the
    /// 8-bit blocks of `kernels::quantize_x` (bound by
    /// [`RmsNorm::bind_quantized`]), for the 8-bit matrix-vector products
    /// that follow; `n` must be a multiple of 32.
    pub fn quantizing(gpu: &Gpu, n: usize, eps: f32, add: bool) -> Result<Self> {
        Self::quantizing_with_shape(gpu, n, eps, add, row_workgroup(gpu, Variant::of(gpu)))
    }

    /// [`RmsNorm::quantizing`] with an explicit variant and workgroup size.
    pub fn quantizing_with_shape(gpu: &Gpu, n: usize, eps: f32, add: bool, shape: (Variant, u32)) -> Result<Self> {
        if n == 0 || n % quantize_x::BLOCK != 0 {
            return Err(Error::Gpu { reason: format!("8-bit activations need rows of whole blocks of 32, not {n}") });
        }
        Self::build(gpu, n, eps, add, shape, true)
    }

    fn build(gpu: &Gpu, n: usize, eps: f32, add: bool, (v, wg): (Variant, u32), q8: bool) -> Result<Self> {
        let constants =
            [("N", n as f64), ("EPS", f64::from(eps)), ("ADD", if add { 1.0 } else { 0.0 }), ("WG", f64::from(wg))];
        let pipeline = pipeline(gpu, "rmsnorm", &source(v, q8), &constants)?;
        Ok(RmsNorm { pipeline })
    }

    /// [`RmsNorm::bind`] for a quantizing norm, with the 8-bit output `xq`
    /// (`quantize_x::row_bytes(n)` at least).
    pub fn bind_quantized(&self, gpu: &Gpu, [x, weight, out, xq]: [&wgpu::Buffer; 4]) -> wgpu::BindGroup {
        let buffers = [x, weight, out, xq].map(|b| b.as_entire_binding());
        bind(gpu, &self.pipeline, "rmsnorm", &buffers)
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
