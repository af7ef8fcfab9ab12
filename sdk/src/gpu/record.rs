//! The kernels of one forward call, in order, recorded through a [`Recorder`]:
//! normally all into one compute pass ([`OnePass`]); for profiling each into
//! its own pass with GPU timestamps (`profile.rs`). One sequence serves both,
//! so the profiled step is exactly the step that runs.

use super::forward::Tail;
use super::model::GpuModel;
use super::state::{FfnIn, FusedBatch, GpuState, Linear, QkvIn};
use crate::kernels::Step;

/// Where the kernels of a forward call are recorded.
pub(crate) trait Recorder {
    /// Record one kernel (one or more dispatches), named for profiles.
    fn kernel(&mut self, name: &'static str, record: &mut dyn FnMut(&mut wgpu::ComputePass<'_>));
}

/// Every kernel into one compute pass: the normal path.
pub(crate) struct OnePass<'p, 'e>(pub &'p mut wgpu::ComputePass<'e>);

impl Recorder for OnePass<'_, '_> {
    fn kernel(&mut self, _name: &'static str, record: &mut dyn FnMut(&mut wgpu::ComputePass<'_>)) {
        record(self.0);
    }
}

impl Linear {
    fn dispatch(&self, pass: &mut wgpu::ComputePass<'_>, tokens: u32) {
        if tokens == 1 {
            self.mv.dispatch(pass);
        } else {
            self.mm.dispatch(pass, tokens);
        }
    }
}

impl GpuModel {
    /// Upload the step uniform (and the tokens, unless the previous argmax
    /// left the input on the device) for a call of `n` tokens at `pos`.
    pub(super) fn write_step(&self, st: &GpuState, tokens: Option<&[u32]>, n: u32, pos: usize) -> Step {
        let q = &self.gpu.queue;
        let step = Step { tokens: n, pos: pos as u32, kv_len: pos as u32 + n, pad: 0 };
        q.write_buffer(&st.step, 0, bytemuck::bytes_of(&step));
        if let Some(t) = tokens {
            q.write_buffer(&st.tokens, 0, bytemuck::cast_slice(t));
        }
        step
    }

    /// The kernels of one call, in execution order.
    pub(super) fn record_kernels(&self, st: &GpuState, r: &mut dyn Recorder, step: Step, tail: Tail) {
        let n = step.tokens;
        let c = &self.config;
        let ffn = c.ffn_dim as u32;
        r.kernel("embed", &mut |p| st.embed.dispatch(p, n));
        for (i, l) in st.layers.iter().enumerate() {
            // Every norm after the first adds the previous block's residual.
            let norm = if i == 0 { &st.norm } else { &st.norm_add };
            r.kernel(if i == 0 { "rmsnorm" } else { "residual+rmsnorm" }, &mut |p| {
                norm.dispatch(p, &l.attn_norm, n);
            });
            match &l.qkv {
                QkvIn::Stacked(m) => r.kernel("qkv", &mut |p| m.dispatch(p, n)),
                QkvIn::Split(m) => r.kernel("q, k, v", &mut |p| m.iter().for_each(|m| m.dispatch(p, n))),
            }
            r.kernel("bias+rope+kv store", &mut |p| l.qkv_post.kernel.dispatch(p, &l.qkv_post.bg, n));
            r.kernel("attention", &mut |p| st.attention.dispatch(p, &l.attention, n, step.kv_len));
            r.kernel("o", &mut |p| l.o.dispatch(p, n));
            r.kernel("residual+rmsnorm", &mut |p| st.norm_add.dispatch(p, &l.ffn_norm, n));
            match &l.gate_up {
                FfnIn::Fused { mv, mm } => r.kernel("gate+up+swiglu", &mut |p| match mm {
                    _ if n == 1 => mv.dispatch(p),
                    FusedBatch::InRegisters(mm) => mm.dispatch(p, n),
                    FusedBatch::Pairs { mm, pairs } => {
                        mm.dispatch(p, n);
                        pairs.kernel.dispatch(p, &pairs.bg, n * ffn);
                    }
                }),
                FfnIn::Split { gate, up, swiglu } => {
                    r.kernel("gate", &mut |p| gate.dispatch(p, n));
                    r.kernel("up", &mut |p| up.dispatch(p, n));
                    r.kernel("swiglu", &mut |p| swiglu.kernel.dispatch(p, &swiglu.bg, n * ffn));
                }
            }
            r.kernel("down", &mut |p| l.down.dispatch(p, n));
        }
        // The last block's residual add is folded into the output norm; a
        // prefill chunk that is not the last needs neither.
        if tail != Tail::None {
            let norm = if st.layers.is_empty() { &st.norm } else { &st.norm_add };
            let name = if st.layers.is_empty() { "rmsnorm" } else { "residual+rmsnorm" };
            r.kernel(name, &mut |p| norm.dispatch(p, &st.output_norm, n));
        }
        // The last token's logits: after a prefill its row is not the first.
        let output = if n == 1 { &st.output.mv } else { &st.output_last };
        match tail {
            Tail::Argmax => {
                r.kernel("output", &mut |p| output.dispatch(p));
                r.kernel("argmax", &mut |p| st.argmax.dispatch(p, &st.argmax_bind));
            }
            Tail::Logits => r.kernel("output", &mut |p| output.dispatch(p)),
            Tail::TopK => {
                r.kernel("output", &mut |p| output.dispatch(p));
                r.kernel("top-k", &mut |p| st.top_k.dispatch(p, &st.top_k_bind));
            }
            Tail::AllLogits => r.kernel("output", &mut |p| st.output.mm.dispatch(p, n)),
            Tail::None => {}
        }
    }

    /// After a greedy step: the chosen token becomes the next step's input
    /// without a round trip, and a 4-byte copy is all the host reads.
    pub(super) fn record_tail_copies(st: &GpuState, enc: &mut wgpu::CommandEncoder, tail: Tail) {
        if tail == Tail::Argmax {
            enc.copy_buffer_to_buffer(&st.next_token, 0, &st.tokens, 0, 4);
            enc.copy_buffer_to_buffer(&st.next_token, 0, &st.readback.token, 0, 4);
        }
    }
}
