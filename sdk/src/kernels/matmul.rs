//! Matrix-matrix product for prefill, per weight type, in two forms chosen per
//! adapter ([`Tiling`]): register tiles without workgroup memory
//! (`shaders/matmul.wgsl`, CPU adapters) and workgroup-memory tiles
//! (`shaders/matmul_tiled.wgsl`, GPUs).

use super::{bind_chunks, compose, Variant};
use crate::error::Result;
use crate::gpu::weights::{GpuMatrix, GpuType};
use crate::gpu::Gpu;

/// WGSL body of the register-tiled form.
pub const SOURCE: &str = include_str!("../../../shaders/matmul.wgsl");
/// WGSL body of the workgroup-tiled form.
pub const TILED: &str = include_str!("../../../shaders/matmul_tiled.wgsl");

/// Rows per workgroup of the workgroup-tiled form (`TM`).
pub const TILE_ROWS: u32 = 32;
/// Tokens per workgroup of the workgroup-tiled form (`TT`).
pub const TILE_TOKENS: u32 = 64;

/// How a product is tiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tiling {
    /// 8 rows × 8 tokens per invocation in registers, no barriers: CPU
    /// adapters, where a barrier switches every invocation's context.
    Registers,
    /// 32 rows × 64 tokens per workgroup through workgroup memory: GPUs,
    /// where the register form's lanes each read a different weight row
    /// (uncoalesced) and re-read the activations.
    Workgroup,
}

impl Tiling {
    /// The form for `gpu`.
    pub fn for_adapter(gpu: &Gpu) -> Self {
        if gpu.is_cpu_adapter() {
            Tiling::Registers
        } else {
            Tiling::Workgroup
        }
    }
}

/// Rows per invocation (`TR` in the shader).
pub const ROWS_PER_INVOCATION: u32 = 8;
/// Tokens per invocation (`TT` in the shader).
pub const TOKENS_PER_INVOCATION: u32 = 8;

/// The composed source for a weight type, variant and tiling.
pub fn source(ty: GpuType, variant: Variant, tiling: Tiling) -> String {
    let body = match tiling {
        Tiling::Registers => SOURCE,
        Tiling::Workgroup => TILED,
    };
    compose(variant, false, &[ty.snippet(variant), super::activations(ty), body])
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

/// `out[t] = W · x[t]` for a batch of tokens; one pipeline and bind group per row chunk.
#[derive(Debug)]
pub struct MatMul {
    parts: Vec<(wgpu::ComputePipeline, wgpu::BindGroup, u32)>,
    tiling: Tiling,
    wg: u32,
}

impl MatMul {
    /// Bind `m` to the step uniform, input rows `x` (stride cols) and output rows `out` (stride rows).
    pub fn new(gpu: &Gpu, m: &GpuMatrix, step: &wgpu::Buffer, x: &wgpu::Buffer, out: &wgpu::Buffer) -> Result<Self> {
        Self::with_tiling(gpu, m, step, x, out, Tiling::for_adapter(gpu))
    }

    /// [`MatMul::new`] with an explicit tiling (tests cover both on any adapter).
    pub fn with_tiling(
        gpu: &Gpu,
        m: &GpuMatrix,
        step: &wgpu::Buffer,
        x: &wgpu::Buffer,
        out: &wgpu::Buffer,
        tiling: Tiling,
    ) -> Result<Self> {
        let src = source(m.ty, Variant::of(gpu), tiling);
        let wg = workgroup(gpu);
        let mut extra = vec![("OUT_STRIDE", m.rows as f64)];
        if tiling == Tiling::Registers {
            extra.push(("WG", f64::from(wg)));
        }
        let parts = bind_chunks(gpu, m, "matmul", &src, &extra, |c| {
            vec![step.as_entire_binding(), c.buffer.as_entire_binding(), x.as_entire_binding(), out.as_entire_binding()]
        })?;
        Ok(MatMul { parts, tiling, wg })
    }

    /// Record the product for `tokens` tokens (the step uniform must say the same).
    pub fn dispatch(&self, pass: &mut wgpu::ComputePass<'_>, tokens: u32) {
        for (p, bg, rows) in &self.parts {
            let (x, y) = match self.tiling {
                Tiling::Registers => {
                    (rows.div_ceil(ROWS_PER_INVOCATION * self.wg), tokens.div_ceil(TOKENS_PER_INVOCATION))
                }
                Tiling::Workgroup => (rows.div_ceil(TILE_ROWS), tokens.div_ceil(TILE_TOKENS)),
            };
            pass.set_pipeline(p);
            pass.set_bind_group(0, bg, &[]);
            pass.dispatch_workgroups(x, y, 1);
        }
    }
}
