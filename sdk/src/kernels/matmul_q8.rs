//! Prefill product of Q4_0, Q8_0, Q4_K and Q6_K weights against 8-bit activations on CPU
//! adapters (`shaders/matmul_q8.wgsl` with the type's `tile_<type>_q8.wgsl`):
//! a `quantize_x` pass over every token's row, then register tiles of 8 rows
//! × 8 tokens multiplied a block of 32 at a time in integers. On lavapipe
//! this is 1.7× (Q4_0), 1.3× (Q8_0), 1.7–1.8× (Q4_K) and 1.5–1.6× (Q6_K) as
//! fast as the f32 tile of `matmul.wgsl` (BENCHMARKS.md, sessions 16–17),
//! as 8-bit activations made decode's products faster (session 9). GPUs
//! keep f32 activations until measured, like decode.

use super::quantize_x::{self, QuantizeX};
use super::{bind_chunks, compose, Variant};
use crate::error::{Error, Result};
use crate::gpu::weights::{GpuMatrix, GpuType};
use crate::gpu::Gpu;
use crate::tensor::TensorRef;

/// WGSL body.
pub const SOURCE: &str = include_str!("../../../shaders/matmul_q8.wgsl");

/// Rows and tokens per invocation (`TR`, `TT` in the shader).
const TILE: u32 = 8;

/// The types this product takes (others keep `matmul.wgsl`).
pub const TYPES: [GpuType; 4] = [GpuType::Q4_0, GpuType::Q8_0, GpuType::Q4_K, GpuType::Q6_K];

/// The composed source for `ty` (one of [`TYPES`]; subgroup variants only:
/// the tokens' quants are shared by broadcasts).
pub fn source(ty: GpuType, variant: Variant) -> Result<String> {
    const NIBBLES: &str = include_str!("../../../shaders/tile_nibbles_q8.wgsl");
    const SCALES: &str = include_str!("../../../shaders/tile_scales_q8.wgsl");
    let tile = match ty {
        GpuType::Q4_0 => [NIBBLES, SCALES, include_str!("../../../shaders/tile_q4_0_q8.wgsl")],
        GpuType::Q8_0 => ["", SCALES, include_str!("../../../shaders/tile_q8_0_q8.wgsl")],
        GpuType::Q4_K => [NIBBLES, "", include_str!("../../../shaders/tile_q4_k_q8.wgsl")],
        GpuType::Q6_K => ["", "", include_str!("../../../shaders/tile_q6_k_q8.wgsl")],
        _ => return Err(Error::Gpu { reason: format!("no 8-bit prefill product for {ty:?}") }),
    };
    let x = [include_str!("../../../shaders/x_q8_storage.wgsl"), include_str!("../../../shaders/x_q8.wgsl")];
    Ok(compose(variant, false, &[ty.snippet(), x[0], x[1], tile[0], tile[1], tile[2], super::matmul::STORE, SOURCE]))
}

/// Whether prefill products of `ty` with rows of `cols` values run here on
/// `gpu`: Q4_0, Q8_0, Q4_K and Q6_K rows of whole blocks, on adapters with 8-bit activations
/// (`Gpu::int8_activations`: CPU adapters unless told) whose workgroup is one
/// subgroup of a fixed size of at least 8 lanes (`matmul::shares_x`), and
/// not where cooperative matrices were asked for (they take every product).
pub fn supported(gpu: &Gpu, ty: GpuType, cols: usize) -> bool {
    gpu.int8_activations && gpu.coop_tile.is_none() && takes(ty, cols) && super::matmul::shares_x(gpu, Variant::of(gpu))
}

/// Values per weight block of `ty` in this product: a row holds whole ones
/// (K-quants' super-blocks of 256 hold 8 of the activations' blocks of 32).
pub fn block_len(ty: GpuType) -> usize {
    if matches!(ty, GpuType::Q4_K | GpuType::Q6_K) {
        256
    } else {
        quantize_x::BLOCK
    }
}

/// Whether this product takes rows of `cols` values of `ty` on some
/// adapter: one of [`TYPES`], rows of whole blocks ([`block_len`]).
pub fn takes(ty: GpuType, cols: usize) -> bool {
    TYPES.contains(&ty) && cols > 0 && cols % block_len(ty) == 0
}

/// Bytes of the 8-bit rows of a batch of `tokens` rows of `cols` values.
pub fn batch_bytes(tokens: usize, cols: usize) -> u64 {
    tokens as u64 * quantize_x::row_bytes(cols)
}

/// The quantizing pass and the product, bound.
#[derive(Debug)]
pub struct MatMulQ8 {
    quantize: QuantizeX,
    quantize_bg: wgpu::BindGroup,
    parts: Vec<(wgpu::ComputePipeline, wgpu::BindGroup, u32)>,
    wg: u32,
}

impl MatMulQ8 {
    /// `out[t * stride + base + r] = W[r] · x[t]` (`pairs`: SwiGLU of
    /// interleaved gate/up rows, stored at `(base + r / 2)`), quantizing x
    /// into `xq` first (at least [`batch_bytes`] of the rows `x` holds).
    pub fn new(
        gpu: &Gpu,
        m: &GpuMatrix,
        [step, x, out, xq]: [&wgpu::Buffer; 4],
        (base, stride): (usize, usize),
        pairs: bool,
    ) -> Result<Self> {
        if !supported(gpu, m.ty, m.cols) {
            return Err(Error::Gpu { reason: format!("no 8-bit prefill product for {:?} rows of {}", m.ty, m.cols) });
        }
        let tokens = (x.size() / (m.cols as u64 * 4)) as usize;
        if xq.size() < batch_bytes(tokens, m.cols) {
            return Err(Error::Gpu {
                reason: format!(
                    "8-bit rows of {tokens} tokens need {} bytes, not {}",
                    batch_bytes(tokens, m.cols),
                    xq.size()
                ),
            });
        }
        let quantize = QuantizeX::all_rows(gpu, m.cols)?;
        let quantize_bg = quantize.bind(gpu, step, x, xq);
        let wg = gpu.summary.subgroup_size.0;
        let extra = [
            ("OUT_STRIDE", stride as f64),
            ("OUT_BASE", base as f64),
            ("WG", f64::from(wg)),
            ("PAIRS", if pairs { 1.0 } else { 0.0 }),
        ];
        let parts = bind_chunks(gpu, m, "matmul_q8", &source(m.ty, Variant::of(gpu))?, &extra, |c| {
            let mut b =
                vec![step.as_entire_binding(), c.storage.binding(), xq.as_entire_binding(), out.as_entire_binding()];
            // Quants are read as vec4s (binding 4) where the weights are in a buffer.
            b.extend(c.storage.vec4_view());
            b
        })?;
        Ok(MatMulQ8 { quantize, quantize_bg, parts, wg })
    }

    /// Record quantizing `tokens` rows and the product (the step uniform
    /// must say the same).
    pub fn dispatch(&self, pass: &mut wgpu::ComputePass<'_>, tokens: u32) {
        self.quantize.dispatch_rows(pass, &self.quantize_bg, tokens);
        for (p, bg, rows) in &self.parts {
            pass.set_pipeline(p);
            pass.set_bind_group(0, bg, &[]);
            pass.dispatch_workgroups(rows.div_ceil(TILE * self.wg), tokens.div_ceil(TILE), 1);
        }
    }
}

/// CPU reference: `t · x[tok]` for `tokens` rows of x, each row quantized to
/// 8 bits and back as `quantize_x` does, sums in f64.
pub fn reference(t: &TensorRef, x: &[f32], tokens: usize) -> Result<Vec<f32>> {
    let (rows, cols) = (t.rows(), t.row_len());
    let xs: Vec<Vec<f32>> = x.chunks(cols).take(tokens).map(quantize_x::dequantized).collect();
    let mut w = vec![0f32; cols];
    let mut out = vec![0f32; rows * tokens];
    for r in 0..rows {
        t.dequantize_row(r, &mut w)?;
        for (tok, xr) in xs.iter().enumerate() {
            out[tok * rows + r] = w.iter().zip(xr).map(|(a, b)| f64::from(*a) * f64::from(*b)).sum::<f64>() as f32;
        }
    }
    Ok(out)
}
