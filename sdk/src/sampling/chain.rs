//! The steps of the sampling chain as plain functions over `(token, logit)` candidates.
//!
//! Both entry points of [`super::Sampler`] (full logits and GPU candidates) funnel into
//! [`select`], so the two paths share every float operation and, given the same candidate
//! set, draw the same token from the same RNG state.

use super::SamplingOptions;
use crate::error::{Error, Result};
use rand_chacha::rand_core::RngCore;
use std::cmp::Ordering;

/// A token id and its (biased, penalized) logit.
pub(crate) type Cand = (u32, f32);

/// The chain's one order: higher logit first, lower id on ties, so every step that sorts,
/// truncates or breaks ties does it the same way on every platform and in both paths.
pub(crate) fn before(a: &Cand, b: &Cand) -> Ordering {
    // NaN never gets here (`check_logit` rejects it), so `Equal` only means equal values.
    b.1.partial_cmp(&a.1).unwrap_or(Ordering::Equal).then(a.0.cmp(&b.0))
}

/// Reject logits the chain cannot give a meaning to. `-inf` is allowed: it is how a model or
/// a bias says "never this token". NaN or `+inf` would make every probability NaN.
pub(crate) fn check_logit(id: u32, logit: f32) -> Result<()> {
    if logit.is_nan() || logit == f32::INFINITY {
        return Err(Error::InvalidArgument { reason: format!("logit of token {id} is {logit}") });
    }
    Ok(())
}

/// How often each token occurs in the last `last_n` tokens of `history`, sorted by token so
/// callers can binary-search it. Empty when `last_n` is 0.
pub(crate) fn window_counts(history: &[u32], last_n: usize) -> Vec<(u32, u32)> {
    let start = history.len().saturating_sub(last_n);
    let mut window = history[start..].to_vec();
    window.sort_unstable();
    let mut counts: Vec<(u32, u32)> = Vec::new();
    for t in window {
        match counts.last_mut() {
            Some((last, n)) if *last == t => *n += 1,
            _ => counts.push((t, 1)),
        }
    }
    counts
}

/// Whether any penalty can change a logit; a window of 0 turns them all off.
pub(crate) fn penalties_active(o: &SamplingOptions) -> bool {
    o.penalty_last_n > 0 && (o.repeat_penalty != 1.0 || o.frequency_penalty != 0.0 || o.presence_penalty != 0.0)
}

/// The penalized logit of a token seen `count > 0` times in the window, with llama.cpp's
/// arithmetic (`llama_sampler_penalties_apply`): the repeat penalty divides positive logits
/// and multiplies negative ones, so it always pushes the token down, and it is applied once
/// however often the token occurs; frequency and presence are then subtracted as one sum.
pub(crate) fn penalize(logit: f32, count: u32, o: &SamplingOptions) -> f32 {
    let repeated = if logit > 0.0 { logit / o.repeat_penalty } else { logit * o.repeat_penalty };
    repeated - (count as f32 * o.frequency_penalty + if count > 0 { o.presence_penalty } else { 0.0 })
}

/// Reject penalized or biased logits that turned into NaN or `+inf` (a huge negative
/// frequency penalty, say), then drop the banned (`-inf`) ones. Errors if nothing is left.
pub(crate) fn drop_banned(cands: &mut Vec<Cand>) -> Result<()> {
    for &(id, l) in cands.iter() {
        check_logit(id, l)?;
    }
    cands.retain(|c| c.1 != f32::NEG_INFINITY);
    if cands.is_empty() {
        return Err(Error::InvalidArgument { reason: "every token has a logit of -inf (all banned)".into() });
    }
    Ok(())
}

/// A uniform number in `[0, 1)` from the top 53 bits of one `u64`: exactly representable,
/// and defined here rather than by a `rand` distribution whose algorithm could change.
pub(crate) fn uniform(rng: &mut impl RngCore) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Greedy, top-k, softmax with temperature, top-p and min-p on finite candidates (see
/// [`drop_banned`]): reorders and truncates `cands`, fills `probs` with their unnormalized
/// probabilities, and returns how many of them survive. Greedy leaves the best one first.
pub(crate) fn shape(cands: &mut Vec<Cand>, probs: &mut Vec<f64>, o: &SamplingOptions) -> Result<usize> {
    probs.clear();
    if o.temperature == 0.0 {
        let best = (0..cands.len())
            .min_by(|&a, &b| before(&cands[a], &cands[b]))
            .ok_or_else(|| Error::InvalidArgument { reason: "no candidates to sample from".into() })?;
        cands.swap(0, best);
        probs.push(1.0);
        return Ok(1);
    }
    if o.top_k > 0 && o.top_k < cands.len() {
        // Linear-time selection first: sorting a 150k vocabulary for 40 tokens is wasted work.
        cands.select_nth_unstable_by(o.top_k - 1, before);
        cands.truncate(o.top_k);
    }
    cands.sort_unstable_by(before);
    let Some(&(_, max)) = cands.first() else {
        return Err(Error::InvalidArgument { reason: "no candidates to sample from".into() });
    };

    // Top-p and min-p look at the temperature-1 distribution and temperature
    // shapes only what survives: llama.cpp's default chain order. f64 so that the
    // tail of a flat 150k-token distribution still sums accurately.
    let base = |l: f32| (f64::from(l) - f64::from(max)).exp();
    // Probabilities only fall along the sorted list, so top-p and min-p each keep a prefix.
    let mut keep = cands.len();
    if o.top_p < 1.0 {
        let target = f64::from(o.top_p) * cands.iter().map(|&(_, l)| base(l)).sum::<f64>();
        let mut cum = 0.0;
        for (i, &(_, l)) in cands.iter().enumerate() {
            cum += base(l);
            if cum >= target {
                keep = i + 1;
                break;
            }
        }
    }
    if o.min_p > 0.0 {
        // The top token's temperature-1 weight is exp(0) = 1: the floor is min_p itself.
        let floor = f64::from(o.min_p);
        keep = cands[..keep].iter().take_while(|&&(_, l)| base(l) >= floor).count().max(1);
    }
    let t = f64::from(o.temperature);
    probs.extend(cands[..keep].iter().map(|&(_, l)| ((f64::from(l) - f64::from(max)) / t).exp()));
    Ok(keep)
}

/// [`shape`], then draw one of the `keep` survivors in proportion to its probability (the
/// renormalization is folded into scaling the uniform number by their total).
pub(crate) fn select(
    cands: &mut Vec<Cand>,
    probs: &mut Vec<f64>,
    o: &SamplingOptions,
    rng: &mut impl RngCore,
) -> Result<u32> {
    let keep = shape(cands, probs, o)?;
    if o.temperature == 0.0 {
        // Greedy consumes no randomness, so switching it on and off keeps later draws aligned.
        return Ok(cands[0].0);
    }
    let total: f64 = probs[..keep].iter().sum();
    let u = uniform(rng) * total;
    let mut cum = 0.0;
    for (i, p) in probs[..keep].iter().enumerate() {
        cum += p;
        if u < cum {
            return Ok(cands[i].0);
        }
    }
    // Rounding can leave `u` a hair above the last partial sum; that mass is the last token's.
    Ok(cands[keep - 1].0)
}
