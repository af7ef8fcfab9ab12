//! f32 → ggml block quantization (ggml's reference formulas), for the
//! synthetic-model writer and for converting types without GPU kernels.

use super::GgmlType;
use crate::error::{Error, Result};

/// Quantize `x` (a whole number of blocks of `dtype`) into `out`.
pub fn quantize(dtype: GgmlType, x: &[f32], out: &mut Vec<u8>) -> Result<()> {
    if x.len() as u64 % dtype.block_size() != 0 {
        return Err(Error::InvalidArgument { reason: format!("{} values are not whole {dtype} blocks", x.len()) });
    }
    match dtype {
        GgmlType::F32 => out.extend(x.iter().flat_map(|v| v.to_le_bytes())),
        GgmlType::F16 => out.extend(x.iter().flat_map(|&v| half::f16::from_f32(v).to_le_bytes())),
        GgmlType::Q8_0 => x.chunks(32).for_each(|b| q8_0(b, out)),
        GgmlType::Q4_0 => x.chunks(32).for_each(|b| q4_0(b, out)),
        GgmlType::Q4_K => x.chunks(256).for_each(|b| q4_k(b, out)),
        GgmlType::Q6_K => x.chunks(256).for_each(|b| q6_k(b, out)),
        other => return Err(Error::UnsupportedType { dtype: other.name(), op: "quantization" }),
    }
    Ok(())
}

/// Q8_0: d = amax / 127, q = round(x / d).
fn q8_0(block: &[f32], out: &mut Vec<u8>) {
    let amax = block.iter().fold(0f32, |m, v| m.max(v.abs()));
    let d = amax / 127.0;
    let id = if d != 0.0 { 1.0 / d } else { 0.0 };
    out.extend_from_slice(&half::f16::from_f32(d).to_le_bytes());
    out.extend(block.iter().map(|v| (v * id).round() as i8 as u8));
}

/// Q4_0: d = (value of largest magnitude) / -8, q = clamp(x / d + 8.5, 0, 15);
/// byte j holds q[j] (low nibble) and q[j + 16] (high nibble).
fn q4_0(block: &[f32], out: &mut Vec<u8>) {
    let max = block.iter().copied().fold(0f32, |m, v| if v.abs() > m.abs() { v } else { m });
    let d = max / -8.0;
    let id = if d != 0.0 { 1.0 / d } else { 0.0 };
    out.extend_from_slice(&half::f16::from_f32(d).to_le_bytes());
    let q = |v: f32| ((v * id + 8.5) as i32).clamp(0, 15) as u8;
    out.extend((0..16).map(|j| q(block[j]) | (q(block[j + 16]) << 4)));
}

/// Q4_K: 8 sub-blocks of 32 with value = d·sc·q − dmin·m, q in 0..=15 and
/// 6-bit sc, m per sub-block. A plain min/max fit per sub-block (ggml's own
/// quantizer searches for better scales; this is for synthetic weights).
fn q4_k(block: &[f32], out: &mut Vec<u8>) {
    let mut scales = [0f32; 8];
    let mut mins = [0f32; 8];
    for (j, sub) in block.chunks(32).enumerate() {
        let lo = sub.iter().copied().fold(f32::INFINITY, f32::min).min(0.0);
        let hi = sub.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        scales[j] = (hi - lo) / 15.0;
        mins[j] = -lo;
    }
    let d = scales.iter().copied().fold(0f32, f32::max) / 63.0;
    let dmin = mins.iter().copied().fold(0f32, f32::max) / 63.0;
    let (d16, dmin16) = (half::f16::from_f32(d), half::f16::from_f32(dmin));
    let six = |v: f32, unit: f32| if unit > 0.0 { (v / unit).round().clamp(0.0, 63.0) as u8 } else { 0 };
    let sc: Vec<u8> = scales.iter().map(|&s| six(s, d16.to_f32())).collect();
    let m: Vec<u8> = mins.iter().map(|&v| six(v, dmin16.to_f32())).collect();
    out.extend_from_slice(&d16.to_le_bytes());
    out.extend_from_slice(&dmin16.to_le_bytes());
    // The 12 scale bytes, packed as ggml's get_scale_min_k4 unpacks them.
    let mut packed = [0u8; 12];
    for j in 0..4 {
        packed[j] = (sc[j] & 63) | ((sc[j + 4] >> 4) << 6);
        packed[j + 4] = (m[j] & 63) | ((m[j + 4] >> 4) << 6);
        packed[j + 8] = (sc[j + 4] & 15) | ((m[j + 4] & 15) << 4);
    }
    out.extend_from_slice(&packed);
    let q = |i: usize| {
        let j = i / 32;
        let step = d16.to_f32() * f32::from(sc[j]);
        if step == 0.0 {
            return 0u8;
        }
        ((block[i] + dmin16.to_f32() * f32::from(m[j])) / step).round().clamp(0.0, 15.0) as u8
    };
    // Chunk c of 64 values: byte 32c + l holds value 64c + l (low) and 64c + 32 + l (high).
    for c in 0..4 {
        out.extend((0..32).map(|l| q(64 * c + l) | (q(64 * c + 32 + l) << 4)));
    }
}

/// Q6_K: 16 sub-blocks of 16 with value = d·sc·(q − 32), q in 0..=63 and
/// an int8 sc per sub-block, fitted to each sub-block's largest magnitude
/// (ggml's own quantizer searches for better scales; this is for synthetic
/// weights). Bytes: ql (128), qh (64), the 16 scales, then the f16 d; within
/// half h of 128 values, value 32k + l (k in 0..4, l in 0..32) keeps its low
/// 4 bits in byte 64h + l + 32·(k % 2) of ql (low nibble for k < 2, else
/// high) and its high 2 bits at bits 2k of qh byte 32h + l.
fn q6_k(block: &[f32], out: &mut Vec<u8>) {
    let sub: Vec<f32> = block.chunks(16).map(|c| c.iter().fold(0f32, |m, v| m.max(v.abs())) / 31.0).collect();
    let d16 = half::f16::from_f32(sub.iter().copied().fold(0f32, f32::max) / 127.0);
    let d = d16.to_f32();
    // Scales rounded up, so that no sub-block's largest value is clipped.
    let sc: Vec<i8> = sub.iter().map(|&s| if d > 0.0 { (s / d).ceil().min(127.0) as i8 } else { 0 }).collect();
    let q = |i: usize| {
        let step = d * f32::from(sc[i / 16]);
        let v = if step != 0.0 { (block[i] / step).round().clamp(-32.0, 31.0) } else { 0.0 };
        (v as i32 + 32) as u8
    };
    let (mut ql, mut qh) = ([0u8; 128], [0u8; 64]);
    for h in 0..2 {
        for k in 0..4 {
            for l in 0..32 {
                let v = q(128 * h + 32 * k + l);
                ql[64 * h + l + 32 * (k % 2)] |= (v & 15) << (4 * (k / 2));
                qh[32 * h + l] |= (v >> 4) << (2 * k);
            }
        }
    }
    out.extend_from_slice(&ql);
    out.extend_from_slice(&qh);
    out.extend(sc.iter().map(|&v| v as u8));
    out.extend_from_slice(&d16.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gguf::dequant::dequantize;

    fn roundtrip(t: GgmlType, x: &[f32]) -> Vec<f32> {
        let mut q = Vec::new();
        quantize(t, x, &mut q).unwrap();
        assert_eq!(q.len() as u64, t.bytes_for(x.len() as u64).unwrap());
        let mut y = vec![0f32; x.len()];
        dequantize(t, &q, &mut y).unwrap();
        y
    }

    #[test]
    fn round_trips_stay_within_half_a_step() {
        // A deterministic, varied signal (no RNG needed).
        let x: Vec<f32> = (0..1024).map(|i| ((i * 37 % 101) as f32 - 50.0) / 40.0 * (1.0 + (i % 7) as f32)).collect();
        // Q6_K with sub-blocks of 16 up to 100 times apart in size: each value
        // within half a step d·sc of its sub-block, where sc (an int8 of the
        // super-block's d = max / (31·127)) is rounded up from amax / (31 d).
        let spread: Vec<f32> = x.iter().enumerate().map(|(i, v)| v * 10f32.powi((i / 16 % 3) as i32 - 1)).collect();
        let y = roundtrip(GgmlType::Q6_K, &spread);
        for (sx, sy) in spread.chunks(256).zip(y.chunks(256)) {
            let d = sx.iter().fold(0f32, |m, v| m.max(v.abs())) / (31.0 * 127.0);
            for (bx, by) in sx.chunks(16).zip(sy.chunks(16)) {
                let step = bx.iter().fold(0f32, |m, v| m.max(v.abs())) / 31.0 + d;
                for (a, b) in bx.iter().zip(by) {
                    assert!((a - b).abs() <= step * 0.51 + 1e-6, "Q6_K (spread): {a} vs {b} (step {step})");
                }
            }
        }
        for (t, block) in [(GgmlType::Q8_0, 32), (GgmlType::Q4_0, 32), (GgmlType::Q4_K, 256), (GgmlType::Q6_K, 16)] {
            let y = roundtrip(t, &x);
            for (bx, by) in x.chunks(block).zip(y.chunks(block)) {
                let range = bx.iter().fold(0f32, |m, v| m.max(v.abs())) * 2.0;
                // Q8_0: half a step of range/254. Q4_0 maps the largest magnitude to -8,
                // so the other end stops at +7: up to one step of range/16. Q4_K: half
                // a step of range/15 widened by the rounding of its 6-bit scales.
                // Q6_K (checked per sub-block of 16): half a step of range/62,
                // widened by the rounding of its int8 scales.
                let tol = match t {
                    GgmlType::Q8_0 => range / 254.0 * 0.51,
                    GgmlType::Q4_0 => range / 16.0 * 1.01,
                    GgmlType::Q6_K => range / 62.0 * 0.6,
                    _ => range / 15.0 * 1.6,
                } + 1e-6;
                for (a, b) in bx.iter().zip(by) {
                    assert!((a - b).abs() <= tol, "{t}: {a} vs {b} (tol {tol})");
                }
            }
        }
        assert_eq!(roundtrip(GgmlType::F32, &x), x);
        assert!(quantize(GgmlType::Q4_0, &x[..31], &mut Vec::new()).is_err());
        assert!(quantize(GgmlType::Q5_0, &x[..256], &mut Vec::new()).is_err());
    }
}
