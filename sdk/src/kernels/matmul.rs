//! Register-tiled matrix-matrix product for prefill (`shaders/matmul.wgsl`), per weight type.

use super::{bind_chunks, compose, Variant};
use crate::error::Result;
use crate::gpu::weights::{GpuMatrix, GpuType};
use crate::gpu::Gpu;

/// WGSL body.
pub const SOURCE: &str = include_str!("../../../shaders/matmul.wgsl");

/// Rows per invocation (`TR` in the shader).
pub const ROWS_PER_INVOCATION: u32 = 8;
/// Tokens per invocation (`TT` in the shader).
pub const TOKENS_PER_INVOCATION: u32 = 8;

/// The composed source for a weight type and variant.
pub fn source(ty: GpuType, variant: Variant) -> String {
    compose(variant, false, &[ty.snippet(variant), super::activations(ty), SOURCE])
}

/// Lanes per workgroup: CPU adapters run a workgroup as one SIMD loop, so a
/// workgroup of their vector width (the subgroup size) keeps per-workgroup
/// work small and the grid large; GPUs get 64.
fn workgroup(gpu: &Gpu) -> u32 {
    if gpu.is_cpu_adapter() {
        gpu.summary.subgroup_size.0.clamp(1, 64)
    } else {
        64
    }
}

/// `out[t] = W · x[t]` for a batch of tokens: the register-tiled kernel, or
/// the cooperative-matrix one where the device was opened with it.
#[derive(Debug)]
pub enum MatMul {
    /// `matmul.wgsl`: one pipeline and bind group per row chunk.
    Tiled { parts: Vec<(wgpu::ComputePipeline, wgpu::BindGroup, u32)>, wg: u32 },
    /// `matmul_coop.wgsl`.
    Coop(super::matmul_coop::CoopMatMul),
}

impl MatMul {
    /// Bind `m` to the step uniform, input rows `x` (stride cols) and output rows `out` (stride rows).
    pub fn new(gpu: &Gpu, m: &GpuMatrix, step: &wgpu::Buffer, x: &wgpu::Buffer, out: &wgpu::Buffer) -> Result<Self> {
        Self::at(gpu, m, [step, x, out], (0, m.rows))
    }

    /// [`MatMul::new`] writing row r of token t to `out[t * stride + base + r]`:
    /// Q, K and V of different types into one product row per token.
    pub fn at(
        gpu: &Gpu,
        m: &GpuMatrix,
        [step, x, out]: [&wgpu::Buffer; 3],
        (base, stride): (usize, usize),
    ) -> Result<Self> {
        if let Some(tile) = gpu.coop_tile {
            return Ok(MatMul::Coop(super::matmul_coop::CoopMatMul::at(gpu, m, [step, x, out], (base, stride), tile)?));
        }
        let src = source(m.ty, Variant::of(gpu));
        let wg = workgroup(gpu);
        let extra = [("OUT_STRIDE", stride as f64), ("OUT_BASE", base as f64), ("WG", f64::from(wg))];
        let parts = bind_chunks(gpu, m, "matmul", &src, &extra, |c| {
            vec![step.as_entire_binding(), c.buffer.as_entire_binding(), x.as_entire_binding(), out.as_entire_binding()]
        })?;
        Ok(MatMul::Tiled { parts, wg })
    }

    /// Record the product for `tokens` tokens (the step uniform must say the same).
    pub fn dispatch(&self, pass: &mut wgpu::ComputePass<'_>, tokens: u32) {
        let (parts, wg) = match self {
            MatMul::Tiled { parts, wg } => (parts, *wg),
            MatMul::Coop(c) => return c.dispatch(pass, tokens),
        };
        for (p, bg, rows) in parts {
            let (x, y) = (rows.div_ceil(ROWS_PER_INVOCATION * wg), tokens.div_ceil(TOKENS_PER_INVOCATION));
            pass.set_pipeline(p);
            pass.set_bind_group(0, bg, &[]);
            pass.dispatch_workgroups(x, y, 1);
        }
    }
}
