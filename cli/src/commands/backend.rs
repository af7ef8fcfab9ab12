//! The compute backend a command runs on: the GPU engine or the CPU reference.

use crate::Backend;
use anyhow::Result;
use hearth::gpu::{DeviceOptions, Gpu, GpuModel, GpuState};
use hearth::model::cpu::argmax;
use hearth::model::CpuState;
use hearth::Model;
use std::sync::Arc;

/// Prompt tokens per GPU prefill call.
const PREFILL_BATCH: usize = 64;

/// A loaded model with a session state on one backend (one lives per command,
/// so the size difference between variants does not matter).
#[allow(clippy::large_enum_variant)]
pub enum Runner {
    Cpu { model: Model, state: CpuState },
    Gpu { model: GpuModel, state: GpuState },
}

impl Runner {
    /// Load `model` on `backend` with room for `ctx` positions.
    pub fn new(backend: Backend, adapter: Option<String>, model: Model, ctx: usize) -> Result<Self> {
        Ok(match backend {
            Backend::Cpu => {
                let state = CpuState::new(&model, ctx);
                Runner::Cpu { model, state }
            }
            Backend::Gpu => {
                let gpu = Arc::new(Gpu::open(&DeviceOptions { adapter, ..Default::default() })?);
                let model = GpuModel::upload(gpu, &model)?;
                let state = model.new_state(ctx, PREFILL_BATCH.min(ctx))?;
                Runner::Gpu { model, state }
            }
        })
    }

    /// Which device runs the model.
    pub fn adapter(&self) -> String {
        match self {
            Runner::Cpu { .. } => "cpu (reference)".into(),
            Runner::Gpu { model, .. } => format!("{} ({})", model.gpu.summary.name, model.gpu.summary.backend),
        }
    }

    /// Logits of the last of `tokens` at positions `pos..`.
    pub fn logits(&mut self, tokens: &[u32], pos: usize) -> Result<Vec<f32>> {
        Ok(match self {
            Runner::Cpu { model, state } => model.forward(state, tokens, pos)?,
            Runner::Gpu { model, state } => model.forward(state, tokens, pos)?,
        })
    }

    /// Logits of every one of `tokens`.
    pub fn logits_all(&mut self, tokens: &[u32], pos: usize) -> Result<Vec<Vec<f32>>> {
        Ok(match self {
            Runner::Cpu { model, state } => model.forward_all(state, tokens, pos)?,
            Runner::Gpu { model, state } => model.forward_all(state, tokens, pos)?,
        })
    }

    /// Greedy choice after the prompt `tokens` (at position 0).
    pub fn greedy_first(&mut self, tokens: &[u32]) -> Result<u32> {
        Ok(match self {
            Runner::Cpu { model, state } => argmax(&model.forward(state, tokens, 0)?),
            Runner::Gpu { model, state } => model.forward_greedy(state, tokens, 0)?,
        })
    }

    /// Greedy choice after feeding `last` (the previous choice) at `pos`.
    pub fn greedy_next(&mut self, last: u32, pos: usize) -> Result<u32> {
        Ok(match self {
            Runner::Cpu { model, state } => argmax(&model.forward(state, &[last], pos)?),
            // The GPU kept `last` on the device: nothing to upload.
            Runner::Gpu { model, state } => model.decode_next(state, pos)?,
        })
    }
}
