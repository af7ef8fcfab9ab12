//! The CPU reference forward pass, plain f32, readable top to bottom.
//!
//! One token at a time: embed → per block (RMSNorm → Q/K/V (+bias) → RoPE →
//! grouped-query attention over the KV cache → output projection → residual →
//! RMSNorm → SwiGLU FFN → residual) → final RMSNorm → logits. Quantized
//! matrices are dequantized one row at a time; no f32 copy of the model exists.

use super::{KvCacheType, Model};
use crate::error::{Error, Result};
use crate::tensor::TensorRef;

/// Per-session state: the KV cache and scratch buffers.
#[derive(Debug)]
pub struct CpuState {
    ctx: usize,
    kv_dim: usize,
    kv_type: KvCacheType,
    /// [n_layers × ctx × kv_dim]
    k_cache: Vec<f32>,
    /// [n_layers × ctx × kv_dim]
    v_cache: Vec<f32>,
    x: Vec<f32>,
    xb: Vec<f32>,
    q: Vec<f32>,
    k: Vec<f32>,
    v: Vec<f32>,
    att_out: Vec<f32>,
    scores: Vec<f32>,
    gate: Vec<f32>,
    up: Vec<f32>,
    row: Vec<f32>,
}

impl CpuState {
    /// A state with room for `ctx` positions (f32 cache).
    pub fn new(model: &Model, ctx: usize) -> Self {
        Self::with_kv(model, ctx, KvCacheType::F32)
    }

    /// A state whose cache rounds stored values to `kv` (kept as f32 here:
    /// the reference computes exactly what a GPU cache of that type holds).
    pub fn with_kv(model: &Model, ctx: usize, kv: KvCacheType) -> Self {
        let c = &model.config;
        let cache = c.n_layers * ctx * c.kv_dim();
        CpuState {
            ctx,
            kv_dim: c.kv_dim(),
            kv_type: kv,
            k_cache: vec![0.0; cache],
            v_cache: vec![0.0; cache],
            x: vec![0.0; c.dim],
            xb: vec![0.0; c.dim],
            q: vec![0.0; c.q_dim()],
            k: vec![0.0; c.kv_dim()],
            v: vec![0.0; c.kv_dim()],
            att_out: vec![0.0; c.q_dim()],
            scores: vec![0.0; ctx],
            gate: vec![0.0; c.ffn_dim],
            up: vec![0.0; c.ffn_dim],
            row: Vec::new(),
        }
    }

    /// Positions this state can hold.
    pub fn context_length(&self) -> usize {
        self.ctx
    }

    /// The KV cache of positions `0..n`: per layer, K then V, `n × kv_dim` each.
    pub fn export_kv(&self, n: usize) -> Vec<f32> {
        let per_layer = self.ctx * self.kv_dim;
        let mut out = Vec::new();
        for l in 0..self.k_cache.len() / per_layer.max(1) {
            out.extend_from_slice(&self.k_cache[l * per_layer..][..n * self.kv_dim]);
            out.extend_from_slice(&self.v_cache[l * per_layer..][..n * self.kv_dim]);
        }
        out
    }

    /// Load a cache exported by [`CpuState::export_kv`] for `n` positions.
    pub fn import_kv(&mut self, n: usize, data: &[f32]) -> Result<()> {
        let (per_layer, per) = (self.ctx * self.kv_dim, n * self.kv_dim);
        let layers = self.k_cache.len() / per_layer.max(1);
        if n > self.ctx || data.len() != 2 * layers * per {
            return Err(Error::InvalidArgument {
                reason: format!("KV data for {n} positions does not fit this state"),
            });
        }
        for l in 0..layers {
            let src = &data[2 * l * per..];
            let kv = self.kv_type;
            let round = |x: &f32| kv.round(*x);
            for (d, x) in self.k_cache[l * per_layer..][..per].iter_mut().zip(&src[..per]) {
                *d = round(x);
            }
            for (d, x) in self.v_cache[l * per_layer..][..per].iter_mut().zip(&src[per..2 * per]) {
                *d = round(x);
            }
        }
        Ok(())
    }
}

impl Model {
    /// Run `tokens` at positions `pos..`, returning the logits of the last one.
    pub fn forward(&self, state: &mut CpuState, tokens: &[u32], pos: usize) -> Result<Vec<f32>> {
        let mut last = Vec::new();
        for (i, &t) in tokens.iter().enumerate() {
            let want = i + 1 == tokens.len();
            if let Some(l) = self.step(state, t, pos + i, want)? {
                last = l;
            }
        }
        Ok(last)
    }

    /// Run `tokens` at positions `pos..`, returning the logits of every one.
    pub fn forward_all(&self, state: &mut CpuState, tokens: &[u32], pos: usize) -> Result<Vec<Vec<f32>>> {
        let mut all = Vec::with_capacity(tokens.len());
        for (i, &t) in tokens.iter().enumerate() {
            if let Some(l) = self.step(state, t, pos + i, true)? {
                all.push(l);
            }
        }
        Ok(all)
    }

    fn step(&self, s: &mut CpuState, token: u32, pos: usize, want_logits: bool) -> Result<Option<Vec<f32>>> {
        let c = &self.config;
        let w = &self.weights;
        if token as usize >= c.vocab_size {
            return Err(Error::TokenOutOfRange { id: token, vocab_size: c.vocab_size });
        }
        if pos >= s.ctx {
            return Err(Error::ContextFull { pos, tokens: 1, ctx: s.ctx });
        }
        w.token_embd.dequantize_row(token as usize, &mut s.x)?;
        let (kv_dim, hd) = (c.kv_dim(), c.head_dim);
        let group = c.n_heads / c.n_kv_heads;
        let scale = 1.0 / (hd as f32).sqrt();
        for (li, l) in w.layers.iter().enumerate() {
            rmsnorm(&mut s.xb, &s.x, &l.attn_norm, c.rms_eps);
            matvec(&l.wq, &s.xb, &mut s.q, &mut s.row)?;
            matvec(&l.wk, &s.xb, &mut s.k, &mut s.row)?;
            matvec(&l.wv, &s.xb, &mut s.v, &mut s.row)?;
            add_bias(&mut s.q, l.bq.as_deref());
            add_bias(&mut s.k, l.bk.as_deref());
            add_bias(&mut s.v, l.bv.as_deref());
            super::rope::apply(&mut s.q, hd, c.rope_layout, &self.inv_freq, pos);
            super::rope::apply(&mut s.k, hd, c.rope_layout, &self.inv_freq, pos);
            let layer_base = li * s.ctx * kv_dim;
            let at = layer_base + pos * kv_dim;
            let kv_type = s.kv_type;
            for (dst, src) in [(&mut s.k_cache, &s.k), (&mut s.v_cache, &s.v)] {
                for (d, &v) in dst[at..at + kv_dim].iter_mut().zip(src.iter()) {
                    *d = kv_type.round(v);
                }
            }
            for h in 0..c.n_heads {
                // Grouped-query attention: `group` query heads share one KV head.
                let kv_off = (h / group) * hd;
                let q = &s.q[h * hd..(h + 1) * hd];
                let scores = &mut s.scores[..=pos];
                for (t, sc) in scores.iter_mut().enumerate() {
                    let k = &s.k_cache[layer_base + t * kv_dim + kv_off..][..hd];
                    *sc = dot(q, k) * scale;
                }
                softmax(scores);
                let out = &mut s.att_out[h * hd..(h + 1) * hd];
                out.fill(0.0);
                for (t, &p) in scores.iter().enumerate() {
                    let v = &s.v_cache[layer_base + t * kv_dim + kv_off..][..hd];
                    for (o, &vv) in out.iter_mut().zip(v) {
                        *o += p * vv;
                    }
                }
            }
            matvec(&l.wo, &s.att_out, &mut s.xb, &mut s.row)?;
            add(&mut s.x, &s.xb);
            rmsnorm(&mut s.xb, &s.x, &l.ffn_norm, c.rms_eps);
            matvec(&l.w_gate, &s.xb, &mut s.gate, &mut s.row)?;
            matvec(&l.w_up, &s.xb, &mut s.up, &mut s.row)?;
            // SwiGLU: silu(gate) * up.
            for (g, &u) in s.gate.iter_mut().zip(&s.up) {
                *g = *g / (1.0 + (-*g).exp()) * u;
            }
            matvec(&l.w_down, &s.gate, &mut s.xb, &mut s.row)?;
            add(&mut s.x, &s.xb);
        }
        if !want_logits {
            return Ok(None);
        }
        rmsnorm(&mut s.xb, &s.x, &w.output_norm, c.rms_eps);
        let mut logits = vec![0.0; c.vocab_size];
        matvec(&w.output, &s.xb, &mut logits, &mut s.row)?;
        Ok(Some(logits))
    }
}

/// out = x / sqrt(mean(x²) + eps) * weight
pub fn rmsnorm(out: &mut [f32], x: &[f32], weight: &[f32], eps: f32) {
    let ss: f64 = x.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
    let inv = 1.0 / ((ss / x.len() as f64) as f32 + eps).sqrt();
    for ((o, &v), &g) in out.iter_mut().zip(x).zip(weight) {
        *o = v * inv * g;
    }
}

/// out[r] = Σ_c w[r][c] · x[c], dequantizing one row of `w` at a time.
pub fn matvec(w: &TensorRef, x: &[f32], out: &mut [f32], row: &mut Vec<f32>) -> Result<()> {
    row.resize(w.row_len(), 0.0);
    for (r, o) in out.iter_mut().enumerate() {
        w.dequantize_row(r, row)?;
        *o = dot(row, x);
    }
    Ok(())
}

/// Dot product with eight partial sums (less rounding error than one running sum).
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// In-place numerically stable softmax.
pub fn softmax(x: &mut [f32]) {
    let max = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in x.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in x.iter_mut() {
        *v /= sum;
    }
}

fn add(x: &mut [f32], y: &[f32]) {
    for (a, &b) in x.iter_mut().zip(y) {
        *a += b;
    }
}

fn add_bias(x: &mut [f32], bias: Option<&[f32]>) {
    if let Some(b) = bias {
        add(x, b);
    }
}

/// Index of the largest value (first on ties), as llama.cpp's greedy sampler.
pub fn argmax(x: &[f32]) -> u32 {
    let mut best = 0;
    for (i, &v) in x.iter().enumerate() {
        if v > x[best] {
            best = i;
        }
    }
    best as u32
}
