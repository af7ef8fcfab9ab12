//! Rotary position embedding: per-pair frequencies and the rotation itself.

use super::config::{ModelConfig, RopeLayout};

/// Inverse frequency of each rotated pair, `θ^(-2i/d) / factor_i`.
///
/// Factors come from a GGUF `rope_freqs` tensor (llama.cpp divides the
/// frequency by it) or are derived from Llama 3 `rope_scaling` metadata the way
/// transformers' `_compute_llama3_parameters` does: long wavelengths are
/// divided by `factor`, short ones kept, and the band between interpolated.
pub fn inv_freqs(c: &ModelConfig, factors: Option<&[f32]>) -> Vec<f64> {
    let half = c.rope_dim / 2;
    (0..half)
        .map(|i| {
            let base = c.rope_theta.powf(-2.0 * i as f64 / c.rope_dim as f64);
            if let Some(f) = factors.and_then(|f| f.get(i)) {
                return base / f64::from(*f);
            }
            match c.rope_scaling {
                None => base,
                Some(s) => {
                    let wavelen = 2.0 * std::f64::consts::PI / base;
                    let low_wavelen = s.original_context / s.low_freq_factor;
                    let high_wavelen = s.original_context / s.high_freq_factor;
                    if wavelen < high_wavelen {
                        base
                    } else if wavelen > low_wavelen {
                        base / s.factor
                    } else {
                        let smooth = (s.original_context / wavelen - s.low_freq_factor)
                            / (s.high_freq_factor - s.low_freq_factor);
                        (1.0 - smooth) * base / s.factor + smooth * base
                    }
                }
            }
        })
        .collect()
}

/// Rotate the first `rope_dim` dims of each head in `x` (`n_heads × head_dim`) for `pos`.
pub fn apply(x: &mut [f32], head_dim: usize, layout: RopeLayout, inv_freq: &[f64], pos: usize) {
    let half = inv_freq.len();
    for head in x.chunks_exact_mut(head_dim) {
        for (i, f) in inv_freq.iter().enumerate() {
            let angle = pos as f64 * f;
            let (sin, cos) = (angle.sin() as f32, angle.cos() as f32);
            let (a, b) = match layout {
                RopeLayout::Interleaved => (2 * i, 2 * i + 1),
                RopeLayout::Neox => (i, i + half),
            };
            let (x0, x1) = (head[a], head[b]);
            head[a] = x0 * cos - x1 * sin;
            head[b] = x0 * sin + x1 * cos;
        }
    }
}
