//! A conversation with its own KV cache on the engine's device.

use super::exec::{ExecState, Next, Want};
use super::stop::{StopEvent, StopMatcher};
use super::types::{CancelHandle, Completion, FinishReason, GenerateOptions, Timings, Usage};
use super::{state_file, Engine};
use crate::chat::{format_prompt, ChatMessage, PromptMode};
use crate::error::{Error, Result};
use crate::sampling::Sampler;
use crate::tokenizer::{StreamDecoder, Tokenizer};
use std::path::Path;
use std::time::Instant;

/// A session: a KV cache and the tokens it holds. Calls reuse the cache for
/// the longest common prefix of the new prompt and what was processed before,
/// so a multi-turn chat prefills only the new turn.
#[derive(Debug)]
pub struct Session {
    engine: Engine,
    state: ExecState,
    /// Tokens whose keys and values are in the cache, in order.
    cached: Vec<u32>,
    cancel: CancelHandle,
}

impl Session {
    pub(crate) fn new(engine: Engine) -> Result<Self> {
        let i = &engine.inner;
        let state = i.exec.new_state(i.info.context_length, i.prefill_batch, i.kv_cache)?;
        Ok(Session { engine, state, cached: Vec::new(), cancel: CancelHandle::default() })
    }

    /// A handle that cancels the running call from any thread.
    pub fn cancel_handle(&self) -> CancelHandle {
        self.cancel.clone()
    }

    /// Forget the conversation (the cache is overwritten by the next call).
    pub fn reset(&mut self) {
        self.cached.clear();
    }

    /// Tokens currently held in the KV cache.
    pub fn cached_tokens(&self) -> &[u32] {
        &self.cached
    }

    /// Continue `prompt` (BOS added when the model wants it). `on_token`
    /// receives text as it is produced and returns false to stop.
    pub fn generate(
        &mut self,
        prompt: &str,
        opts: &GenerateOptions,
        on_token: &mut dyn FnMut(&str) -> bool,
    ) -> Result<Completion> {
        let tokens = self.engine.inner.tokenizer()?.encode(prompt, true)?;
        self.run(tokens, opts, on_token)
    }

    /// Answer the last message of a conversation, rendered with the model's
    /// chat template (or joined as plain text for models without one: see
    /// [`crate::chat::format_prompt`]).
    pub fn chat(
        &mut self,
        messages: &[ChatMessage],
        opts: &GenerateOptions,
        on_token: &mut dyn FnMut(&str) -> bool,
    ) -> Result<Completion> {
        let i = &self.engine.inner;
        let (text, mode) = format_prompt(i.template.as_ref(), messages, true)?;
        let tok = i.tokenizer()?;
        let tokens = match mode {
            // Templates write their own BOS text; add one only if this one did not.
            PromptMode::Template => {
                let bos_text = tok.bos_id().and_then(|b| tok.piece_str(b)).unwrap_or("");
                let add = bos_text.is_empty() || !text.starts_with(bos_text);
                tok.encode_with_special(&text, add, true)?
            }
            PromptMode::Completion => tok.encode(&text, true)?,
        };
        self.run(tokens, opts, on_token)
    }

    /// Save the KV cache and its tokens to `path`.
    pub fn save_state(&self, path: impl AsRef<Path>) -> Result<()> {
        let i = &self.engine.inner;
        let kv = {
            let _turn = i.queue.enter()?;
            i.exec.export_kv(&self.state, self.cached.len())?
        };
        state_file::save(path.as_ref(), &i.info.fingerprint, &self.cached, &kv)
    }

    /// Restore a state saved by [`Session::save_state`] for the same model.
    pub fn restore_state(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let i = &self.engine.inner;
        let c = i.exec.config();
        let per_token = 2 * c.n_layers * c.kv_dim();
        let (tokens, kv) = state_file::load(path.as_ref(), &i.info.fingerprint, per_token)?;
        if tokens.len() > i.info.context_length {
            return Err(Error::ContextFull { pos: 0, tokens: tokens.len(), ctx: i.info.context_length });
        }
        {
            let _turn = i.queue.enter()?;
            i.exec.import_kv(&mut self.state, tokens.len(), &kv)?;
        }
        self.cached = tokens;
        Ok(())
    }

    /// One forward call, taking a turn on the device queue.
    fn step(&mut self, tokens: &[u32], pos: usize, want: Want) -> Result<Next> {
        let i = &self.engine.inner;
        let _turn = i.queue.enter()?;
        i.exec.step(&mut self.state, tokens, pos, want)
    }

    fn run(
        &mut self,
        prompt: Vec<u32>,
        opts: &GenerateOptions,
        on_token: &mut dyn FnMut(&str) -> bool,
    ) -> Result<Completion> {
        self.cancel.clear();
        let mut sampler = Sampler::new(opts.sampling.clone())?;
        let ctx = self.engine.inner.info.context_length;
        if prompt.is_empty() || prompt.len() >= ctx {
            return Err(Error::ContextFull { pos: 0, tokens: prompt.len(), ctx });
        }
        // Reuse the cache for the common prefix; at least one token is run to get logits.
        let common = self.cached.iter().zip(&prompt).take_while(|(a, b)| a == b).count().min(prompt.len() - 1);
        self.cached.truncate(common);
        let want = if opts.sampling.temperature == 0.0 && !sampler.needs_full_logits() {
            Want::Argmax
        } else if !sampler.needs_full_logits() {
            Want::Candidates
        } else {
            Want::Logits
        };
        let start = Instant::now();
        let mut next = self.step(&prompt[common..], common, want)?;
        self.cached.extend_from_slice(&prompt[common..]);
        let ttft = start.elapsed();
        let decode_start = Instant::now();
        let mut history = prompt.clone();
        // The stream decoder borrows the tokenizer; hold the engine separately
        // so the session stays free to run steps.
        let engine = self.engine.clone();
        let tokenizer = engine.inner.tokenizer()?;
        let mut out = Generated::new(tokenizer, opts);
        let reason = loop {
            let tok = match next {
                Next::Token(t) => t,
                Next::Candidates(c) => sampler.sample_candidates(&c, &history)?,
                Next::Logits(l) => sampler.sample(&l, &history)?,
            };
            if self.cancel.is_cancelled() {
                break FinishReason::Cancelled;
            }
            if opts.stop_at_eog && tokenizer.is_eog(tok) {
                break FinishReason::Stop;
            }
            history.push(tok);
            if let Some(reason) = out.push(tok, on_token)? {
                break reason;
            }
            if out.tokens.len() >= opts.max_tokens {
                break FinishReason::Length;
            }
            let pos = self.cached.len();
            if pos + 1 >= ctx {
                break FinishReason::ContextFull;
            }
            next = self.step(&[tok], pos, want)?;
            self.cached.push(tok);
        };
        let (text, tokens) = out.finish(on_token)?;
        let decode = decode_start.elapsed().as_secs_f64();
        let prefilled = prompt.len() - common;
        Ok(Completion {
            usage: Usage { prompt_tokens: prompt.len(), generated_tokens: tokens.len(), cached_tokens: common },
            timings: Timings {
                ttft_ms: ttft.as_secs_f64() * 1e3,
                prefill_tokens_per_s: prefilled as f64 / ttft.as_secs_f64().max(1e-9),
                decode_tokens_per_s: if tokens.len() > 1 { (tokens.len() - 1) as f64 / decode.max(1e-9) } else { 0.0 },
            },
            text,
            tokens,
            finish_reason: reason,
        })
    }
}

/// Generated tokens turned into text: UTF-8-safe streaming and stop strings.
struct Generated<'a> {
    stream: StreamDecoder<'a>,
    stops: StopMatcher,
    text: String,
    tokens: Vec<u32>,
    hit_stop: bool,
}

impl<'a> Generated<'a> {
    fn new(tokenizer: &'a Tokenizer, opts: &GenerateOptions) -> Self {
        Generated {
            stream: StreamDecoder::new(tokenizer),
            stops: StopMatcher::new(&opts.stop),
            text: String::new(),
            tokens: Vec::new(),
            hit_stop: false,
        }
    }

    /// Add a token; `Some(reason)` when generation must end.
    fn push(&mut self, tok: u32, on_token: &mut dyn FnMut(&str) -> bool) -> Result<Option<FinishReason>> {
        self.tokens.push(tok);
        let piece = self.stream.push(tok)?;
        let (emit, stopped) = match self.stops.push(&piece) {
            StopEvent::Emit(t) => (t, false),
            StopEvent::Stopped(t) => (t, true),
        };
        let go_on = self.emit(&emit, on_token);
        self.hit_stop = stopped;
        Ok(if stopped {
            Some(FinishReason::Stop)
        } else if !go_on {
            Some(FinishReason::Cancelled)
        } else {
            None
        })
    }

    fn emit(&mut self, text: &str, on_token: &mut dyn FnMut(&str) -> bool) -> bool {
        if text.is_empty() {
            return true;
        }
        self.text.push_str(text);
        on_token(text)
    }

    /// Release held-back text, unless a stop string ended generation (then
    /// nothing after it is output).
    fn finish(mut self, on_token: &mut dyn FnMut(&str) -> bool) -> Result<(String, Vec<u32>)> {
        if !self.hit_stop {
            let tail = self.stream.finish()?;
            let rest = match self.stops.push(&tail) {
                StopEvent::Emit(t) => t + &self.stops.finish(),
                StopEvent::Stopped(t) => t,
            };
            self.emit(&rest, on_token);
        }
        Ok((self.text, self.tokens))
    }
}
