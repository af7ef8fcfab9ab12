//! The two executors behind one interface: the GPU engine, or the CPU reference.

use crate::error::Result;
use crate::gpu::{GpuModel, GpuState};
use crate::model::cpu::argmax;
use crate::model::{CpuState, KvCacheType, Model};

/// A model ready to run, shared by every session of an engine.
#[derive(Debug)]
pub(crate) enum Exec {
    Cpu(Model),
    Gpu(GpuModel),
}

/// One session's KV cache and scratch on the executor (one per session, so
/// the size difference between the variants does not matter).
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub(crate) enum ExecState {
    Cpu(CpuState),
    Gpu(GpuState),
}

/// What the sampler gets after a forward call.
#[derive(Debug)]
pub(crate) enum Next {
    /// The argmax, chosen on the device.
    Token(u32),
    /// The best candidates (id, logit), best first.
    Candidates(Vec<(u32, f32)>),
    /// All logits.
    Logits(Vec<f32>),
}

/// How the next token will be chosen, so only what is needed is read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Want {
    Argmax,
    Candidates,
    Logits,
}

impl Exec {
    pub fn config(&self) -> &crate::model::ModelConfig {
        match self {
            Exec::Cpu(m) => &m.config,
            Exec::Gpu(m) => &m.config,
        }
    }

    pub fn new_state(&self, ctx: usize, batch: usize, kv: KvCacheType) -> Result<ExecState> {
        Ok(match self {
            Exec::Cpu(m) => ExecState::Cpu(CpuState::with_kv(m, ctx, kv)),
            Exec::Gpu(m) => ExecState::Gpu(m.new_state_with_kv(ctx, batch, kv)?),
        })
    }

    /// Run `tokens` at `pos..` and return what `want` asks for about the last one.
    pub fn step(&self, st: &mut ExecState, tokens: &[u32], pos: usize, want: Want) -> Result<Next> {
        Ok(match (self, st) {
            (Exec::Cpu(m), ExecState::Cpu(s)) => {
                let logits = m.forward(s, tokens, pos)?;
                match want {
                    Want::Argmax => Next::Token(argmax(&logits)),
                    _ => Next::Logits(logits),
                }
            }
            (Exec::Gpu(m), ExecState::Gpu(s)) => match want {
                Want::Argmax => Next::Token(m.forward_greedy(s, tokens, pos)?),
                Want::Candidates => Next::Candidates(m.forward_top_k(s, tokens, pos)?),
                Want::Logits => Next::Logits(m.forward(s, tokens, pos)?),
            },
            _ => return Err(mismatch()),
        })
    }

    /// Logits of every one of `tokens` (perplexity, `hearth logits --all`).
    pub fn logits_all(&self, st: &mut ExecState, tokens: &[u32], pos: usize) -> Result<Vec<Vec<f32>>> {
        match (self, st) {
            (Exec::Cpu(m), ExecState::Cpu(s)) => m.forward_all(s, tokens, pos),
            (Exec::Gpu(m), ExecState::Gpu(s)) => m.forward_all(s, tokens, pos),
            _ => Err(mismatch()),
        }
    }

    pub fn export_kv(&self, st: &ExecState, n: usize) -> Result<Vec<f32>> {
        match (self, st) {
            (Exec::Cpu(_), ExecState::Cpu(s)) => Ok(s.export_kv(n)),
            (Exec::Gpu(m), ExecState::Gpu(s)) => m.export_kv(s, n),
            _ => Err(mismatch()),
        }
    }

    pub fn import_kv(&self, st: &mut ExecState, n: usize, data: &[f32]) -> Result<()> {
        match (self, st) {
            (Exec::Cpu(_), ExecState::Cpu(s)) => s.import_kv(n, data),
            (Exec::Gpu(m), ExecState::Gpu(s)) => m.import_kv(s, n, data),
            _ => Err(mismatch()),
        }
    }
}

fn mismatch() -> crate::Error {
    crate::Error::InvalidArgument { reason: "session state belongs to another backend".into() }
}
