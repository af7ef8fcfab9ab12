//! 8-bit activations for the quantized matrix-vector product
//! (`shaders/quantize_x.wgsl`): one row of x in blocks of 32, each a scale
//! `d = max|x| / 127` and 32 quants `round(x / d)`, as llama.cpp's q8_0
//! activations. Q4_0, Q8_0, Q4_K and Q6_K weights then take integer dot
//! products four values at a time (`dot_<type>_q8.wgsl`).

use super::{bind, compose, pipeline, Variant};
use crate::error::{Error, Result};
use crate::gpu::weights::GpuType;
use crate::gpu::Gpu;

/// WGSL body.
pub const SOURCE: &str = include_str!("../../../shaders/quantize_x.wgsl");

/// The block quantizer (`q8_block`), shared with RMSNorm's quantizing variant.
pub const Q8_BLOCK: &str = include_str!("../../../shaders/q8_block.wgsl");

/// Values per block.
pub const BLOCK: usize = 32;

/// Lanes per workgroup: one block per lane.
const WG: u32 = 64;

/// The composed source (also used by the naga validation test).
pub fn source(variant: Variant) -> String {
    compose(variant, false, &[Q8_BLOCK, SOURCE])
}

/// Whether the matrix-vector product of `ty` can read 8-bit activations:
/// the block types (the float types keep f32 activations).
pub fn supports(ty: GpuType) -> bool {
    !matches!(ty, GpuType::F32 | GpuType::F16)
}

/// Bytes of one quantized row of `n` values: three 16-byte words per block
/// (quants, quants, then the scale, the quants' sum and its halves' sums).
pub fn row_bytes(n: usize) -> u64 {
    (n.div_ceil(BLOCK) * 48) as u64
}

/// The quantizing pass for rows of `n` values (a multiple of 32).
#[derive(Debug)]
pub struct QuantizeX {
    pipeline: wgpu::ComputePipeline,
    n: usize,
    all_rows: bool,
}

impl QuantizeX {
    /// Build for rows of `n` values, quantizing the last row of a step.
    pub fn new(gpu: &Gpu, n: usize) -> Result<Self> {
        Self::build(gpu, n, false)
    }

    /// Build for rows of `n` values, quantizing every row of a step: row t
    /// of the output (`n / 32` blocks of 48 bytes) is token t.
    pub fn all_rows(gpu: &Gpu, n: usize) -> Result<Self> {
        Self::build(gpu, n, true)
    }

    fn build(gpu: &Gpu, n: usize, all_rows: bool) -> Result<Self> {
        if n == 0 || n % BLOCK != 0 {
            return Err(Error::Gpu { reason: format!("8-bit activations need rows of whole blocks of 32, not {n}") });
        }
        let constants = [("N", n as f64), ("WG", f64::from(WG)), ("ALL_ROWS", if all_rows { 1.0 } else { 0.0 })];
        let pipeline = pipeline(gpu, "quantize_x", &source(Variant::of(gpu)), &constants)?;
        Ok(QuantizeX { pipeline, n, all_rows })
    }

    /// Bind the step uniform, the rows `x` (the last of `step.tokens` is
    /// quantized, or all of them) and the output `xq` (at least
    /// [`row_bytes`] of n per row quantized).
    pub fn bind(&self, gpu: &Gpu, step: &wgpu::Buffer, x: &wgpu::Buffer, xq: &wgpu::Buffer) -> wgpu::BindGroup {
        bind(
            gpu,
            &self.pipeline,
            "quantize_x",
            &[step.as_entire_binding(), x.as_entire_binding(), xq.as_entire_binding()],
        )
    }

    /// Record quantizing the row.
    pub fn dispatch(&self, pass: &mut wgpu::ComputePass<'_>, bg: &wgpu::BindGroup) {
        self.dispatch_rows(pass, bg, 1);
    }

    /// Record quantizing a step of `tokens` rows (the last one only where
    /// built with [`QuantizeX::new`]).
    pub fn dispatch_rows(&self, pass: &mut wgpu::ComputePass<'_>, bg: &wgpu::BindGroup, tokens: u32) {
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, bg, &[]);
        let rows = if self.all_rows { tokens.max(1) } else { 1 };
        pass.dispatch_workgroups(((self.n / BLOCK) as u32).div_ceil(WG), rows, 1);
    }
}

/// CPU reference: each block's scale and quants, computed as the shader does.
pub fn reference(x: &[f32]) -> Vec<(f32, [i8; BLOCK])> {
    x.chunks(BLOCK)
        .map(|b| {
            let d = b.iter().fold(0f32, |m, v| m.max(v.abs())) / 127.0;
            let inv = if d > 0.0 { 1.0 / d } else { 0.0 };
            let mut q = [0i8; BLOCK];
            for (q, v) in q.iter_mut().zip(b) {
                *q = (v * inv).round_ties_even().clamp(-127.0, 127.0) as i8;
            }
            (d, q)
        })
        .collect()
}

/// The values the GPU multiplies by: `d · q` per element of [`reference`].
pub fn dequantized(x: &[f32]) -> Vec<f32> {
    reference(x).iter().flat_map(|(d, q)| q.map(|q| d * f32::from(q))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantized_values_are_within_half_a_step() {
        // 96 values: three blocks, one of them all zero.
        let x: Vec<f32> =
            (0..96).map(|i| if i / 32 == 1 { 0.0 } else { ((i * 37 % 101) as f32 - 50.0) / 7.0 }).collect();
        let blocks = reference(&x);
        assert_eq!(blocks.len(), 3);
        assert_eq!(blocks[1], (0.0, [0; BLOCK]), "an all-zero block");
        for (b, (d, q)) in blocks.iter().enumerate() {
            let amax = x[b * BLOCK..][..BLOCK].iter().fold(0f32, |m, v| m.max(v.abs()));
            assert_eq!(*d, amax / 127.0);
            // The largest value maps to ±127 exactly.
            assert!(amax == 0.0 || q.iter().any(|&v| v.unsigned_abs() == 127), "block {b}");
        }
        for (i, (a, v)) in dequantized(&x).iter().zip(&x).enumerate() {
            let d = blocks[i / BLOCK].0;
            assert!((a - v).abs() <= d / 2.0 * (1.0 + 1e-6), "[{i}] {a} vs {v} (step {d})");
        }
    }

    #[test]
    fn ties_round_to_even() {
        // d = 127 / 127 = 1, so x / d lands exactly on halves.
        let mut x = vec![0.0f32; BLOCK];
        x[0] = 127.0;
        x[1] = 2.5;
        x[2] = -3.5;
        x[3] = 0.5;
        let (_, q) = reference(&x)[0];
        assert_eq!(&q[..4], &[127, 2, -4, 0]);
    }
}
