//! The prefill product on cooperative matrices (`shaders/matmul_coop.wgsl`),
//! per weight type and tile size. Used in place of `matmul` where the device
//! was opened with `DeviceOptions::cooperative_matrix` and offers f16 tiles
//! with f32 accumulators (`Gpu::coop_tile`).

use super::bind_chunks;
use crate::error::{Error, Result};
use crate::gpu::weights::{GpuMatrix, GpuType};
use crate::gpu::Gpu;

/// WGSL body.
pub const SOURCE: &str = include_str!("../../../shaders/matmul_coop.wgsl");

/// Tiles per workgroup along rows and along tokens (`TM`, `TN` in the shader).
const TILES: u32 = 2;

/// The tile-size snippet: `S` and the `Tile_A/B/C` aliases.
fn tiles(tile: u32) -> Result<&'static str> {
    match tile {
        8 => Ok(include_str!("../../../shaders/coop_8.wgsl")),
        16 => Ok(include_str!("../../../shaders/coop_16.wgsl")),
        _ => Err(Error::Gpu { reason: format!("no cooperative-matrix kernel for {tile}×{tile} tiles") }),
    }
}

/// The composed source for a weight type and tile size. The enable
/// directives must precede every declaration, so this composes its own header
/// instead of `kernels::compose` (the kernel always needs f16 and subgroups).
pub fn source(ty: GpuType, tile: u32) -> Result<String> {
    let parts = [
        "enable f16;\nenable wgpu_cooperative_matrix;\n",
        super::COMMON,
        tiles(tile)?,
        ty.snippet(),
        super::activations(ty),
        SOURCE,
    ];
    Ok(parts.join("\n"))
}

/// `out[t * stride + base + r] = W[r] · x[t]` on cooperative matrices; one
/// pipeline and bind group per row chunk.
#[derive(Debug)]
pub struct CoopMatMul {
    parts: Vec<(wgpu::ComputePipeline, wgpu::BindGroup, u32)>,
    /// Rows (and tokens) one workgroup covers.
    block: u32,
}

impl CoopMatMul {
    /// Bind `m` as [`super::matmul::MatMul::at`] does, with `tile × tile` tiles.
    pub fn at(
        gpu: &Gpu,
        m: &GpuMatrix,
        [step, x, out]: [&wgpu::Buffer; 3],
        (base, stride): (usize, usize),
        tile: u32,
    ) -> Result<Self> {
        let src = source(m.ty, tile)?;
        // Whole subgroups: the adapter's largest subgroup size.
        let wg = gpu.summary.subgroup_size.1.clamp(1, 128);
        let extra = [("OUT_STRIDE", stride as f64), ("OUT_BASE", base as f64), ("WG", f64::from(wg))];
        let parts = bind_chunks(gpu, m, "matmul_coop", &src, &extra, |c| {
            vec![step.as_entire_binding(), c.storage.binding(), x.as_entire_binding(), out.as_entire_binding()]
        })?;
        Ok(CoopMatMul { parts, block: TILES * tile })
    }

    /// Record the product for `tokens` tokens (the step uniform must say the same).
    pub fn dispatch(&self, pass: &mut wgpu::ComputePass<'_>, tokens: u32) {
        for (p, bg, rows) in &self.parts {
            pass.set_pipeline(p);
            pass.set_bind_group(0, bg, &[]);
            pass.dispatch_workgroups(rows.div_ceil(self.block), tokens.div_ceil(self.block), 1);
        }
    }
}
