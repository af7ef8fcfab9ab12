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

/// The tiles' stores, shared with `matmul_q8` (`shaders/matmul_store.wgsl`).
pub const STORE: &str = include_str!("../../../shaders/matmul_store.wgsl");

/// x tiles loaded by every lane (`shaders/x_tile_loads.wgsl`).
pub const X_TILE_LOADS: &str = include_str!("../../../shaders/x_tile_loads.wgsl");
/// x tiles shared through subgroup broadcasts (`shaders/x_tile_shared.wgsl`).
pub const X_TILE_SHARED: &str = include_str!("../../../shaders/x_tile_shared.wgsl");

/// The composed source for a weight type and variant; `shared_x` (which
/// needs a subgroup variant) assembles x tiles with subgroup broadcasts.
pub fn source(ty: GpuType, variant: Variant, shared_x: bool) -> String {
    let tile = if shared_x { X_TILE_SHARED } else { X_TILE_LOADS };
    compose(variant, false, &[ty.snippet(), super::activations(ty), tile, STORE, SOURCE])
}

/// Whether x tiles are shared by subgroup broadcasts on `gpu`: CPU adapters
/// whose workgroup ([`workgroup`]) is exactly one subgroup of a fixed size of
/// at least the 8 tokens of a tile. GPUs keep the loads (their L1 cache
/// serves them; not measured otherwise).
pub fn shares_x(gpu: &Gpu, variant: Variant) -> bool {
    let (min, max) = gpu.summary.subgroup_size;
    variant.subgroups && gpu.is_cpu_adapter() && min == max && (TOKENS_PER_INVOCATION..=64).contains(&min)
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

/// Whether the product reads `ty`'s weights ahead in raw runs through a
/// vec4 view (binding 4; `RAW_RUNS` in the dtype snippet: the block types).
pub fn reads_vec4_view(ty: GpuType) -> bool {
    !matches!(ty, GpuType::F32 | GpuType::F16)
}

/// `out[t] = W · x[t]` for a batch of tokens: the register-tiled kernel, or
/// the cooperative-matrix one where the device was opened with it.
#[derive(Debug)]
pub enum MatMul {
    /// `matmul.wgsl`: one pipeline and bind group per row chunk.
    Tiled { parts: Vec<(wgpu::ComputePipeline, wgpu::BindGroup, u32)>, wg: u32 },
    /// `matmul_coop.wgsl`.
    Coop(super::matmul_coop::CoopMatMul),
    /// `matmul_q8.wgsl` after quantizing the batch.
    Q8(super::matmul_q8::MatMulQ8),
}

impl MatMul {
    /// Bind `m` to the step uniform, input rows `x` (stride cols) and output rows `out` (stride rows).
    pub fn new(gpu: &Gpu, m: &GpuMatrix, step: &wgpu::Buffer, x: &wgpu::Buffer, out: &wgpu::Buffer) -> Result<Self> {
        Self::at(gpu, m, [step, x, out], (0, m.rows))
    }

    /// [`MatMul::new`] writing row r of token t to `out[t * stride + base + r]`:
    /// Q, K and V of different types into one product row per token.
    pub fn at(gpu: &Gpu, m: &GpuMatrix, bufs: [&wgpu::Buffer; 3], (base, stride): (usize, usize)) -> Result<Self> {
        Self::at_with(gpu, m, bufs, (base, stride), None)
    }

    /// [`MatMul::at`], multiplying against 8-bit activations quantized into
    /// `xq` where [`super::matmul_q8::supported`] (a scratch of at least
    /// [`super::matmul_q8::batch_bytes`] for the rows `x` holds, which
    /// products may share: each quantizes its own x right before it runs).
    pub fn at_with(
        gpu: &Gpu,
        m: &GpuMatrix,
        [step, x, out]: [&wgpu::Buffer; 3],
        (base, stride): (usize, usize),
        xq: Option<&wgpu::Buffer>,
    ) -> Result<Self> {
        if let Some(xq) = xq.filter(|_| super::matmul_q8::supported(gpu, m.ty, m.cols)) {
            let q8 = super::matmul_q8::MatMulQ8::new(gpu, m, [step, x, out, xq], (base, stride), false)?;
            return Ok(MatMul::Q8(q8));
        }
        if let Some(tile) = gpu.coop_tile {
            return Ok(MatMul::Coop(super::matmul_coop::CoopMatMul::at(gpu, m, [step, x, out], (base, stride), tile)?));
        }
        Self::tiled(gpu, m, [step, x, out], (base, stride), false)
    }

    /// SwiGLU of a gate/up matrix from [`GpuMatrix::upload_interleaved`] for a
    /// batch: `out[t * m.rows / 2 + i] = silu(gate_i · x[t]) · (up_i · x[t])`,
    /// applied in registers. `None` where the device multiplies with
    /// cooperative matrices, whose stores take whole tiles: there the caller
    /// stores both rows and applies SwiGLU in a second pass.
    pub fn swiglu(
        gpu: &Gpu,
        m: &GpuMatrix,
        step: &wgpu::Buffer,
        x: &wgpu::Buffer,
        out: &wgpu::Buffer,
    ) -> Result<Option<Self>> {
        Self::swiglu_with(gpu, m, [step, x, out], None)
    }

    /// [`MatMul::swiglu`], against 8-bit activations in `xq` as
    /// [`MatMul::at_with`].
    pub fn swiglu_with(
        gpu: &Gpu,
        m: &GpuMatrix,
        [step, x, out]: [&wgpu::Buffer; 3],
        xq: Option<&wgpu::Buffer>,
    ) -> Result<Option<Self>> {
        if let Some(xq) = xq.filter(|_| super::matmul_q8::supported(gpu, m.ty, m.cols)) {
            m.check_whole_pairs()?;
            let q8 = super::matmul_q8::MatMulQ8::new(gpu, m, [step, x, out, xq], (0, m.rows / 2), true)?;
            return Ok(Some(MatMul::Q8(q8)));
        }
        if gpu.coop_tile.is_some() {
            return Ok(None);
        }
        m.check_whole_pairs()?;
        Self::tiled(gpu, m, [step, x, out], (0, m.rows / 2), true).map(Some)
    }

    fn tiled(
        gpu: &Gpu,
        m: &GpuMatrix,
        [step, x, out]: [&wgpu::Buffer; 3],
        (base, stride): (usize, usize),
        pairs: bool,
    ) -> Result<Self> {
        let variant = Variant::of(gpu);
        let src = source(m.ty, variant, shares_x(gpu, variant));
        let wg = workgroup(gpu);
        let extra = [
            ("OUT_STRIDE", stride as f64),
            ("OUT_BASE", base as f64),
            ("WG", f64::from(wg)),
            ("PAIRS", if pairs { 1.0 } else { 0.0 }),
        ];
        let parts = bind_chunks(gpu, m, "matmul", &src, &extra, |c| {
            let mut b =
                vec![step.as_entire_binding(), c.storage.binding(), x.as_entire_binding(), out.as_entire_binding()];
            if reads_vec4_view(m.ty) {
                // The raw runs' vec4 view of the same (read-only) weights.
                b.extend(c.storage.vec4_view());
            }
            b
        })?;
        Ok(MatMul::Tiled { parts, wg })
    }

    /// Record the product for `tokens` tokens (the step uniform must say the same).
    pub fn dispatch(&self, pass: &mut wgpu::ComputePass<'_>, tokens: u32) {
        let (parts, wg) = match self {
            MatMul::Tiled { parts, wg } => (parts, *wg),
            MatMul::Coop(c) => return c.dispatch(pass, tokens),
            MatMul::Q8(q) => return q.dispatch(pass, tokens),
        };
        for (p, bg, rows) in parts {
            let (x, y) = (rows.div_ceil(ROWS_PER_INVOCATION * wg), tokens.div_ceil(TOKENS_PER_INVOCATION));
            pass.set_pipeline(p);
            pass.set_bind_group(0, bg, &[]);
            pass.dispatch_workgroups(x, y, 1);
        }
    }
}
