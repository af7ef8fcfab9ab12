//! Choosing the next token from logits: temperature, top-k, top-p, min-p, repetition
//! penalties and logit bias, drawn with a seeded RNG.
//!
//! # Order of operations
//!
//! 1. **logit bias**: each `(token, bias)` is added to that token's logit (`-inf` bans it).
//! 2. **penalties** over the last `penalty_last_n` tokens of the history, once per distinct
//!    token: repeat (`l > 0 ? l / p : l * p`), then `l -= count * frequency + presence`.
//! 3. **greedy** when `temperature == 0`: the highest logit, lowest id on ties. Stops here.
//! 4. **top-k**: keep the `top_k` highest logits (0 keeps all).
//! 5. **top-p**: keep the shortest prefix of the tokens sorted by probability (softmax at
//!    temperature 1) whose cumulative probability reaches `top_p` (at least one token).
//! 6. **min-p**: drop tokens whose temperature-1 probability is below `min_p` times the highest.
//! 7. **temperature**: softmax of `logit / temperature` over what is left, then **draw** one
//!    token with the seeded RNG.
//!
//! Every sort is by logit, highest first, lower id on ties, so a seed gives the same tokens
//! on every platform. The RNG is ChaCha20 (`rand_chacha`), seeded with
//! `SeedableRng::seed_from_u64`, and a draw is the top 53 bits of one `u64` — all fixed
//! algorithms. (`exp` comes from the platform's libm and may differ in the last bit, which can
//! only matter when a draw lands within that bit of a cumulative-probability boundary.)
//!
//! This is llama.cpp's default sampler chain order (top-k, top-p, min-p, then temperature):
//! the same options mean the same thing here as in `llama-cli`. (Hugging Face transformers
//! applies temperature first, so its top-p/min-p see sharpened or flattened probabilities.)

mod chain;
#[cfg(test)]
mod tests;

use crate::error::{Error, Result};
use chain::Cand;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// The most candidates the GPU's top-k kernel hands to [`Sampler::sample_candidates`].
pub const MAX_GPU_CANDIDATES: usize = 64;

/// How the next token is chosen. Each knob has an "off" value; [`SamplingOptions::default`]
/// is llama.cpp's default (`common_params_sampling`), [`SamplingOptions::greedy`] is argmax.
///
/// Missing fields in serialized options take their default values.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct SamplingOptions {
    /// Divides logits before the softmax; 0 is greedy (argmax, lowest id on ties).
    pub temperature: f32,
    /// Keep only the `top_k` most likely tokens; 0 is off.
    pub top_k: usize,
    /// Keep the most likely tokens whose probabilities add up to `top_p`; 1.0 is off.
    pub top_p: f32,
    /// Drop tokens less likely than `min_p` times the most likely one; 0.0 is off.
    pub min_p: f32,
    /// llama.cpp's repeat penalty: a repeated token's logit `l` becomes `l / p` if positive,
    /// `l * p` otherwise, once however often it repeats; 1.0 is off.
    pub repeat_penalty: f32,
    /// Subtracted from a token's logit once per occurrence in the window; 0 is off.
    pub frequency_penalty: f32,
    /// Subtracted from the logit of a token that occurs in the window at all; 0 is off.
    pub presence_penalty: f32,
    /// How many of the most recent tokens the penalties look at; 0 turns the penalties off.
    pub penalty_last_n: usize,
    /// Added to the logits of the given tokens (repeats add up); `f32::NEG_INFINITY` bans one.
    pub logit_bias: Vec<(u32, f32)>,
    /// Seed of the ChaCha20 RNG; the same seed and inputs give the same tokens everywhere.
    pub seed: u64,
}

impl Default for SamplingOptions {
    /// llama.cpp's defaults: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, penalties off
    /// (repeat 1.0, frequency and presence 0) over a window of 64, no bias, seed 0.
    fn default() -> Self {
        Self {
            temperature: 0.8,
            top_k: 40,
            top_p: 0.95,
            min_p: 0.05,
            repeat_penalty: 1.0,
            frequency_penalty: 0.0,
            presence_penalty: 0.0,
            penalty_last_n: 64,
            logit_bias: Vec::new(),
            seed: 0,
        }
    }
}

impl SamplingOptions {
    /// Always the most likely token: temperature 0 and every other knob off.
    pub fn greedy() -> Self {
        Self { temperature: 0.0, top_k: 0, top_p: 1.0, min_p: 0.0, ..Self::default() }
    }

    /// Check every field is in range. The comparisons are written so that NaN fails them.
    pub fn validate(&self) -> Result<()> {
        let bad = |reason: String| Err(Error::InvalidArgument { reason });
        if !(self.temperature.is_finite() && self.temperature >= 0.0) {
            return bad(format!("temperature must be finite and >= 0, got {}", self.temperature));
        }
        if !(self.top_p > 0.0 && self.top_p <= 1.0) {
            return bad(format!("top_p must be in (0, 1], got {}", self.top_p));
        }
        if !(self.min_p >= 0.0 && self.min_p <= 1.0) {
            return bad(format!("min_p must be in [0, 1], got {}", self.min_p));
        }
        if !(self.repeat_penalty.is_finite() && self.repeat_penalty > 0.0) {
            return bad(format!("repeat_penalty must be finite and > 0, got {}", self.repeat_penalty));
        }
        if !self.frequency_penalty.is_finite() {
            return bad(format!("frequency_penalty must be finite, got {}", self.frequency_penalty));
        }
        if !self.presence_penalty.is_finite() {
            return bad(format!("presence_penalty must be finite, got {}", self.presence_penalty));
        }
        for &(id, b) in &self.logit_bias {
            // -inf bans a token; +inf or NaN would make every probability NaN.
            if b.is_nan() || b == f32::INFINITY {
                return bad(format!("logit_bias for token {id} must be a number or -inf, got {b}"));
            }
        }
        Ok(())
    }
}

/// Chooses tokens with [`SamplingOptions`]; owns the seeded RNG, so one sampler per sequence.
#[derive(Debug, Clone)]
pub struct Sampler {
    opts: SamplingOptions,
    rng: ChaCha20Rng,
    /// Reused between calls so a step allocates nothing once warm.
    cands: Vec<Cand>,
    probs: Vec<f64>,
}

impl Sampler {
    /// A sampler whose RNG starts from `opts.seed`. Errors if the options are out of range.
    pub fn new(opts: SamplingOptions) -> Result<Self> {
        opts.validate()?;
        let rng = ChaCha20Rng::seed_from_u64(opts.seed);
        Ok(Self { opts, rng, cands: Vec::new(), probs: Vec::new() })
    }

    /// The options this sampler was built with.
    pub fn options(&self) -> &SamplingOptions {
        &self.opts
    }

    /// Choose the next token from full logits (`history` = tokens so far, for penalties).
    ///
    /// Errors on empty logits, a NaN or `+inf` logit, a biased token outside the
    /// vocabulary, or when every token is banned. History tokens outside the vocabulary
    /// are ignored: they cannot be chosen, so there is nothing to penalize.
    pub fn sample(&mut self, logits: &[f32], history: &[u32]) -> Result<u32> {
        let mut cands = std::mem::take(&mut self.cands);
        let result = self.prepare_full(&mut cands, logits, history).and_then(|()| self.finish(&mut cands));
        self.cands = cands;
        result
    }

    /// The distribution [`Sampler::sample`] draws from: the surviving tokens and their
    /// renormalized probabilities, most likely first (ties: lower id first). Greedy gives one
    /// token with probability 1. Uses no randomness; errors as `sample` does.
    pub fn probabilities(&self, logits: &[f32], history: &[u32]) -> Result<Vec<(u32, f64)>> {
        let mut cands = Vec::new();
        let mut probs = Vec::new();
        self.prepare_full(&mut cands, logits, history)?;
        chain::drop_banned(&mut cands)?;
        let keep = chain::shape(&mut cands, &mut probs, &self.opts)?;
        let total: f64 = probs[..keep].iter().sum();
        Ok(cands.iter().zip(&probs).take(keep).map(|(&(id, _), &p)| (id, p / total)).collect())
    }

    /// Choose from candidates only (id, logit) — what the GPU's top-k kernel returns so the
    /// host never reads the whole vocabulary. Exact when [`Sampler::needs_full_logits`] is
    /// false and the candidates are the [`MAX_GPU_CANDIDATES`] highest logits (or every token
    /// of a smaller vocabulary), ties at the cut going to the lower id; otherwise it samples
    /// as if the vocabulary were just these candidates.
    ///
    /// Candidates may come in any order. Errors on no candidates, a repeated id, a NaN or
    /// `+inf` logit, or when every candidate is banned.
    pub fn sample_candidates(&mut self, candidates: &[(u32, f32)], history: &[u32]) -> Result<u32> {
        if candidates.is_empty() {
            return Err(Error::InvalidArgument { reason: "no candidates to sample from".into() });
        }
        let mut cands = std::mem::take(&mut self.cands);
        cands.clear();
        cands.extend_from_slice(candidates);
        let result = self.prepare_candidates(&mut cands, history).and_then(|()| self.finish(&mut cands));
        self.cands = cands;
        result
    }

    /// True when the options can change which tokens are in the top-k the GPU returns, or
    /// need probabilities normalized over the whole vocabulary, so the full logits are needed:
    /// any logit bias, active penalties, or (unless greedy) `top_k` of 0 or above
    /// [`MAX_GPU_CANDIDATES`] — then the softmax, and so top-p, min-p and the draw, depend on
    /// tokens outside the candidates.
    pub fn needs_full_logits(&self) -> bool {
        let o = &self.opts;
        !o.logit_bias.is_empty()
            || chain::penalties_active(o)
            || (o.temperature > 0.0 && (o.top_k == 0 || o.top_k > MAX_GPU_CANDIDATES))
    }

    /// Fill `cands` with every token's biased and penalized logit.
    fn prepare_full(&self, cands: &mut Vec<Cand>, logits: &[f32], history: &[u32]) -> Result<()> {
        if logits.is_empty() {
            return Err(Error::InvalidArgument { reason: "no logits to sample from".into() });
        }
        if u32::try_from(logits.len() - 1).is_err() {
            return Err(Error::InvalidArgument { reason: format!("{} logits exceed u32 token ids", logits.len()) });
        }
        let vocab = logits.len();
        cands.clear();
        cands.extend(logits.iter().enumerate().map(|(i, &l)| (i as u32, l)));
        // Until `drop_banned` (which also rejects NaN and +inf, biased or not), candidate
        // `i` is token `i`, so tokens index directly.
        for &(id, bias) in &self.opts.logit_bias {
            let slot = cands.get_mut(id as usize).ok_or(Error::TokenOutOfRange { id, vocab_size: vocab })?;
            slot.1 += bias;
        }
        if chain::penalties_active(&self.opts) {
            for (id, count) in chain::window_counts(history, self.opts.penalty_last_n) {
                if let Some(slot) = cands.get_mut(id as usize) {
                    slot.1 = chain::penalize(slot.1, count, &self.opts);
                }
            }
        }
        Ok(())
    }

    /// Reject repeated ids, then bias and penalize, matching tokens by id. NaN and `+inf`
    /// are left to `drop_banned`, which sees them whatever the bias did.
    fn prepare_candidates(&self, cands: &mut [Cand], history: &[u32]) -> Result<()> {
        // Sort by id to find repeats; `finish` re-sorts by logit anyway.
        cands.sort_unstable_by_key(|c| c.0);
        if let Some(w) = cands.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(Error::InvalidArgument { reason: format!("token {} is a candidate twice", w[0].0) });
        }
        for &(id, bias) in &self.opts.logit_bias {
            if let Ok(i) = cands.binary_search_by_key(&id, |c| c.0) {
                cands[i].1 += bias;
            }
        }
        if chain::penalties_active(&self.opts) {
            for (id, count) in chain::window_counts(history, self.opts.penalty_last_n) {
                if let Ok(i) = cands.binary_search_by_key(&id, |c| c.0) {
                    cands[i].1 = chain::penalize(cands[i].1, count, &self.opts);
                }
            }
        }
        Ok(())
    }

    fn finish(&mut self, cands: &mut Vec<Cand>) -> Result<u32> {
        chain::drop_banned(cands)?;
        chain::select(cands, &mut self.probs, &self.opts, &mut self.rng)
    }
}
