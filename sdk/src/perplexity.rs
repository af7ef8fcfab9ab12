//! Perplexity of a model on a text, computed exactly as llama.cpp's
//! `llama-perplexity` does with its default settings, so numbers can be
//! compared with the ones people quote for llama.cpp.
//!
//! The definition (llama.cpp `tools/perplexity/perplexity.cpp`, `perplexity()`,
//! `--ppl-stride 0`, no `--chunks` limit):
//!
//! 1. The text is tokenized **once**, with special tokens: a model that adds
//!    BOS gets one BOS in front of the whole stream (`common_tokenize(ctx,
//!    prompt, true)`). [`perplexity_of_text`] does this; [`perplexity`] takes
//!    the stream as given.
//! 2. At least `2 * ctx` tokens are required (llama.cpp refuses fewer, even
//!    though one window would fit), and `ctx` must be at least 3 so that every
//!    window scores a token.
//! 3. The stream is cut into `len / ctx` non-overlapping windows of `ctx`
//!    tokens; the remainder that does not fill a window is dropped.
//! 4. In each window the first token is replaced by BOS when the model adds
//!    BOS (window 0 already starts with it), and the window is evaluated from
//!    position 0 with an empty KV cache.
//! 5. Only the second half of each window is scored, so every prediction has
//!    at least `ctx/2` tokens of context: with `first = ctx / 2` (integer
//!    division), for positions `j` in `[first, ctx - 1)` the loss is
//!    `-log softmax(logits[j])[window[j + 1]]`, i.e. `ctx - 1 - first` tokens
//!    per window.
//! 6. Perplexity is `exp(mean loss over all scored tokens)`; after each window
//!    llama.cpp prints the running estimate (`[1]4.4634,[2]...`), kept here in
//!    [`PerplexityReport::per_window`].
//!
//! Deviations: the log-softmax is computed in f64 throughout (llama.cpp takes
//! the max in f32 and sums `expf` terms in a double), a difference far below
//! the printed 4 decimals; llama.cpp's batching of several windows per decode
//! (`n_seq`) changes nothing mathematically and is left to the caller's `eval`.

use crate::error::{Error, Result};
use crate::tokenizer::Tokenizer;

/// Runs one window from position 0 with an empty KV cache and returns the
/// logits of every position (`Model::forward_all` / `GpuModel::forward_all`
/// on a fresh or reused state).
pub type WindowEval<'a> = dyn FnMut(&[u32]) -> Result<Vec<Vec<f32>>> + 'a;

/// The outcome of a perplexity run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PerplexityReport {
    /// `exp(nll_mean)`.
    pub perplexity: f64,
    /// Mean negative log-likelihood (nats) over the scored tokens.
    pub nll_mean: f64,
    /// Tokens whose loss was counted: `windows * (ctx - 1 - ctx / 2)`.
    pub tokens_scored: usize,
    /// Windows of `ctx` tokens evaluated.
    pub windows: usize,
    /// Window length.
    pub ctx: usize,
    /// Running perplexity after each window, as llama.cpp prints it.
    pub per_window: Vec<f64>,
}

/// Perplexity of `tokens` (the whole text's token stream, already with the
/// BOS that the tokenizer adds) in windows of `ctx` tokens; see the module
/// docs for the exact definition.
///
/// `eval(window)` must run one fresh window from position 0 (the caller
/// resets its KV cache for each call) and return the logits of every
/// position. `bos` is the token that replaces each window's first token, or
/// `None` for models that do not add BOS.
pub fn perplexity(eval: &mut WindowEval<'_>, tokens: &[u32], ctx: usize, bos: Option<u32>) -> Result<PerplexityReport> {
    if ctx < 3 {
        // ctx 2 scores positions [1, 1): nothing, and the mean would be 0/0.
        return Err(Error::InvalidArgument {
            reason: format!("perplexity needs a context of at least 3 tokens (got {ctx})"),
        });
    }
    if tokens.len() < 2 * ctx {
        return Err(Error::InvalidArgument {
            reason: format!(
                "perplexity with a context of {ctx} needs at least {} tokens (as llama.cpp), the text has {}",
                2 * ctx,
                tokens.len()
            ),
        });
    }
    let first = ctx / 2;
    let mut window = Vec::with_capacity(ctx);
    let mut nll = 0.0f64;
    let mut count = 0usize;
    let mut per_window = Vec::with_capacity(tokens.len() / ctx);
    for chunk in tokens.chunks_exact(ctx) {
        window.clear();
        window.extend_from_slice(chunk);
        if let (Some(b), Some(t)) = (bos, window.first_mut()) {
            *t = b;
        }
        let logits = eval(&window)?;
        if logits.len() != ctx {
            return Err(Error::InvalidArgument {
                reason: format!("eval returned {} rows of logits for a window of {ctx} tokens", logits.len()),
            });
        }
        for j in first..ctx - 1 {
            nll -= log_softmax_at(&logits[j], window[j + 1])?;
            count += 1;
        }
        per_window.push((nll / count as f64).exp());
    }
    let nll_mean = nll / count as f64;
    Ok(PerplexityReport {
        perplexity: nll_mean.exp(),
        nll_mean,
        tokens_scored: count,
        windows: per_window.len(),
        ctx,
        per_window,
    })
}

/// Tokenize `text` as llama.cpp does (once, with the special tokens the
/// tokenizer adds) and run [`perplexity`] on it.
pub fn perplexity_of_text(
    eval: &mut WindowEval<'_>,
    tokenizer: &Tokenizer,
    text: &str,
    ctx: usize,
) -> Result<PerplexityReport> {
    let tokens = tokenizer.encode(text, true)?;
    let bos = if tokenizer.add_bos() { tokenizer.bos_id() } else { None };
    perplexity(eval, &tokens, ctx, bos)
}

/// `log softmax(logits)[target]` in f64 via log-sum-exp: logits of a real
/// model reach magnitudes where a naive f32 `exp` overflows or loses the tail.
fn log_softmax_at(logits: &[f32], target: u32) -> Result<f64> {
    let t = *logits.get(target as usize).ok_or(Error::TokenOutOfRange { id: target, vocab_size: logits.len() })? as f64;
    let max = logits.iter().fold(f64::NEG_INFINITY, |m, &x| m.max(x as f64));
    let sum: f64 = logits.iter().map(|&x| (x as f64 - max).exp()).sum();
    Ok(t - max - sum.ln())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake model whose logits depend only on the position, so the expected
    /// loss can be written down by hand.
    fn uniform_eval(vocab: usize) -> impl FnMut(&[u32]) -> Result<Vec<Vec<f32>>> {
        move |w: &[u32]| Ok(vec![vec![0.0; vocab]; w.len()])
    }

    #[test]
    fn uniform_logits_give_the_vocabulary_size() {
        let tokens: Vec<u32> = (0..50).map(|i| i % 7).collect();
        let r = perplexity(&mut uniform_eval(7), &tokens, 8, Some(1)).unwrap();
        assert_eq!(r.windows, 6); // 50 / 8, remainder 2 dropped
        assert_eq!(r.tokens_scored, 6 * 3); // positions 4, 5, 6
        assert!((r.perplexity - 7.0).abs() < 1e-12);
        assert_eq!(r.per_window.len(), 6);
    }

    #[test]
    fn windows_start_with_bos_and_only_the_second_half_is_scored() {
        let tokens: Vec<u32> = (0..20).collect();
        let mut seen = Vec::new();
        // The logits put all mass on "the token itself + 1", so every scored
        // target (window[j + 1] == window[j] + 1) has loss ~0 except where BOS
        // was substituted, which is never scored.
        let mut eval = |w: &[u32]| {
            seen.push(w.to_vec());
            Ok(w.iter()
                .map(|&t| {
                    let mut l = vec![-1e4f32; 32];
                    l[(t as usize + 1) % 32] = 0.0;
                    l
                })
                .collect())
        };
        let r = perplexity(&mut eval, &tokens, 5, Some(99)).unwrap();
        assert_eq!(
            seen,
            vec![vec![99, 1, 2, 3, 4], vec![99, 6, 7, 8, 9], vec![99, 11, 12, 13, 14], vec![99, 16, 17, 18, 19]]
        );
        assert_eq!(r.tokens_scored, 4 * 2); // first = 2: positions 2, 3
        assert!(r.nll_mean.abs() < 1e-9);
    }

    #[test]
    fn bad_arguments_are_typed_errors() {
        let tokens: Vec<u32> = (0..10).collect();
        for (ctx, n) in [(2, 10), (6, 10), (20, 10)] {
            let e = perplexity(&mut uniform_eval(4), &tokens[..n], ctx, None).unwrap_err();
            assert!(matches!(e, Error::InvalidArgument { .. }), "{e}");
        }
        let mut short = |w: &[u32]| Ok(vec![vec![0.0f32; 4]; w.len() - 1]);
        assert!(matches!(perplexity(&mut short, &tokens, 5, None), Err(Error::InvalidArgument { .. })));
        let e = perplexity(&mut uniform_eval(4), &tokens, 5, None).unwrap_err();
        assert!(matches!(e, Error::TokenOutOfRange { id: 4, vocab_size: 4 }), "{e}");
    }
}
