//! Per-session GPU state: KV cache, activations and every bind group of a
//! forward call, created once when the session starts and reused each step.

use super::model::{GateUp, GpuModel, Qkv};
use super::Gpu;
use crate::error::{Error, Result};
use crate::kernels::argmax::{Argmax, SelectBinding, TopK};
use crate::kernels::attention::{Attention, AttentionBinding};
use crate::kernels::elementwise::{Elementwise, Op};
use crate::kernels::embed::Embed;
use crate::kernels::matmul::MatMul;
use crate::kernels::matmul_q8;
use crate::kernels::matvec::{Input, MatVec};
use crate::kernels::qkv_post::{QkvBuffers, QkvPost, QkvShape};
use crate::kernels::quantize_x;
use crate::kernels::rmsnorm::RmsNorm;
use crate::model::KvCacheType;

/// A weight matrix bound both ways: matvec for decode, matmul for prefill.
#[derive(Debug)]
pub(crate) struct Linear {
    pub mv: MatVec,
    pub mm: MatMul,
}

/// The Q/K/V product, one row of `q_dim + 2·kv_dim` values per token.
#[derive(Debug)]
pub(crate) enum QkvIn {
    /// One stacked matrix.
    Stacked(Linear),
    /// Three matrices writing their parts of the row.
    Split(Box<[Linear; 3]>),
}

/// Gate, up and SwiGLU, leaving the FFN activation that down reads.
#[derive(Debug)]
pub(crate) enum FfnIn {
    /// An interleaved gate/up matrix: decode is one SwiGLU matvec; prefill
    /// one SwiGLU matmul, or a product and a pass over its pairs.
    Fused { mv: MatVec, mm: FusedBatch },
    /// Separate matrices (gate and up of different types).
    Split { gate: Linear, up: Linear, swiglu: Bound<Elementwise> },
}

/// The prefill half of [`FfnIn::Fused`].
#[derive(Debug)]
pub(crate) enum FusedBatch {
    /// The register-tiled matmul applying SwiGLU before its stores.
    InRegisters(MatMul),
    /// Cooperative matrices store whole tiles: the product into the pair
    /// scratch, then SwiGLU of the pairs.
    Pairs { mm: MatMul, pairs: Bound<Elementwise> },
}

/// A pipeline with its bind group.
#[derive(Debug)]
pub(crate) struct Bound<K> {
    pub kernel: K,
    pub bg: wgpu::BindGroup,
}

/// The kernels of one block, bound to this state's buffers.
#[derive(Debug)]
pub(crate) struct LayerKernels {
    /// RMSNorm of x into xb; after the first block with the previous
    /// block's FFN residual add folded in (`GpuState::norm_add`).
    pub attn_norm: wgpu::BindGroup,
    pub qkv: QkvIn,
    /// Bias, RoPE, q out and the K/V cache store.
    pub qkv_post: Bound<QkvPost>,
    pub attention: AttentionBinding,
    pub o: Linear,
    /// The attention residual add and the FFN's RMSNorm.
    pub ffn_norm: wgpu::BindGroup,
    pub gate_up: FfnIn,
    pub down: Linear,
}

impl LayerKernels {
    /// Bytes the block's matrix-vector products allocate themselves (their
    /// 8-bit activation rows).
    fn matvec_scratch(&self) -> u64 {
        let qkv: u64 = match &self.qkv {
            QkvIn::Stacked(l) => l.mv.scratch_bytes(),
            QkvIn::Split(ls) => ls.iter().map(|l| l.mv.scratch_bytes()).sum(),
        };
        let ffn = match &self.gate_up {
            FfnIn::Fused { mv, .. } => mv.scratch_bytes(),
            FfnIn::Split { gate, up, .. } => gate.mv.scratch_bytes() + up.mv.scratch_bytes(),
        };
        qkv + ffn + self.o.mv.scratch_bytes() + self.down.mv.scratch_bytes()
    }
}

/// Buffers read back to the host.
#[derive(Debug)]
pub(crate) struct Readback {
    pub token: wgpu::Buffer,
    pub logits: wgpu::Buffer,
}

/// A session's state on the GPU.
#[derive(Debug)]
pub struct GpuState {
    pub(crate) max_ctx: usize,
    pub(crate) max_batch: usize,
    pub(crate) step: wgpu::Buffer,
    pub(crate) tokens: wgpu::Buffer,
    pub(crate) next_token: wgpu::Buffer,
    pub(crate) logits: wgpu::Buffer,
    pub(crate) all_logits: wgpu::Buffer,
    pub(crate) embed: Embed,
    pub(crate) layers: Vec<LayerKernels>,
    pub(crate) attention: Attention,
    /// RMSNorm alone (the first block's, on the embedding).
    pub(crate) norm: RmsNorm,
    /// Residual add then RMSNorm (every other norm).
    pub(crate) norm_add: RmsNorm,
    /// With the last block's FFN residual add.
    pub(crate) output_norm: wgpu::BindGroup,
    pub(crate) output: Linear,
    /// The output projection of the last token of a prefill (`output.mv`
    /// reads the first row, which is the token only in one-token steps).
    pub(crate) output_last: MatVec,
    pub(crate) argmax: Argmax,
    pub(crate) argmax_bind: SelectBinding,
    pub(crate) top_k: TopK,
    pub(crate) top_k_bind: SelectBinding,
    pub(crate) top_k_out: wgpu::Buffer,
    pub(crate) kv_type: KvCacheType,
    pub(crate) k_cache: Vec<wgpu::Buffer>,
    pub(crate) v_cache: Vec<wgpu::Buffer>,
    pub(crate) readback: Readback,
    /// Bytes allocated for the KV cache and activations.
    pub device_bytes: u64,
}

fn bound<K>(kernel: K, bg: wgpu::BindGroup) -> Bound<K> {
    Bound { kernel, bg }
}

/// `xq`: the batch's 8-bit rows, for products that take them (matmul_q8).
fn linear<'a>(
    gpu: &Gpu,
    m: &super::weights::GpuMatrix,
    step: &wgpu::Buffer,
    x: impl Into<Input<'a>>,
    (out, xq): (&wgpu::Buffer, Option<&wgpu::Buffer>),
) -> Result<Linear> {
    let x = x.into();
    let mm = MatMul::at_with(gpu, m, [step, x.x, out], (0, m.rows), xq)?;
    Ok(Linear { mv: MatVec::new(gpu, m, step, x, out)?, mm })
}

/// The Q/K/V product of `qkv` from `x` into rows of `width` values.
fn qkv_in(
    gpu: &Gpu,
    qkv: &Qkv,
    step: &wgpu::Buffer,
    x: Input<'_>,
    (out, xq): (&wgpu::Buffer, Option<&wgpu::Buffer>),
) -> Result<QkvIn> {
    match qkv {
        Qkv::Stacked(m) => Ok(QkvIn::Stacked(linear(gpu, m, step, x, (out, xq))?)),
        Qkv::Split([q, k, v]) => {
            let width = q.rows + k.rows + v.rows;
            let at = |m: &super::weights::GpuMatrix, base: usize| -> Result<Linear> {
                Ok(Linear {
                    mv: MatVec::at(gpu, m, [step, out], x, base)?,
                    mm: MatMul::at_with(gpu, m, [step, x.x, out], (base, width), xq)?,
                })
            };
            Ok(QkvIn::Split(Box::new([at(q, 0)?, at(k, q.rows)?, at(v, q.rows + k.rows)?])))
        }
    }
}

fn elementwise(
    gpu: &Gpu,
    op: Op,
    width: usize,
    step: &wgpu::Buffer,
    a: &wgpu::Buffer,
    b: &wgpu::Buffer,
) -> Result<Bound<Elementwise>> {
    let k = Elementwise::new(gpu, op, width)?;
    let bg = k.bind(gpu, step, a, b);
    Ok(bound(k, bg))
}

impl GpuModel {
    /// Whether some prefill product takes 8-bit activations on this device
    /// (`kernels::matmul_q8`): then prefill logits differ from the f32
    /// reference by activation rounding, as decode's do.
    pub fn prefill_int8(&self) -> bool {
        self.q8_prefill_cols().is_some()
    }

    /// The longest rows among the matrices whose prefill products take
    /// 8-bit activations on this device (`matmul_q8::supported`), if any.
    fn q8_prefill_cols(&self) -> Option<usize> {
        let gpu = &*self.gpu;
        let output = std::iter::once(self.output_matrix());
        let all = self.layers.iter().flat_map(super::model::GpuLayer::matrices).chain(output);
        all.filter(|m| matmul_q8::supported(gpu, m.ty, m.cols)).map(|m| m.cols).max()
    }

    /// A state holding `max_ctx` positions, prefilling up to `max_batch` tokens per call.
    pub fn new_state(&self, max_ctx: usize, max_batch: usize) -> Result<GpuState> {
        self.new_state_with_kv(max_ctx, max_batch, KvCacheType::F32)
    }

    /// A state whose KV cache stores `kv` values.
    pub fn new_state_with_kv(&self, max_ctx: usize, max_batch: usize, kv: KvCacheType) -> Result<GpuState> {
        let gpu = &*self.gpu;
        let scope = gpu.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let state = self.build_state(max_ctx.max(1), max_batch.clamp(1, max_ctx.max(1)), kv);
        if let Some(e) = pollster::block_on(scope.pop()) {
            let bytes = state.as_ref().map_or(0, |s| s.device_bytes);
            return Err(Error::GpuOutOfMemory { what: format!("session state ({e})"), bytes });
        }
        state
    }

    fn build_state(&self, max_ctx: usize, max_batch: usize, kv: KvCacheType) -> Result<GpuState> {
        let gpu = &*self.gpu;
        let c = &self.config;
        let (dim, q_dim, kv_dim, ffn, vocab) = (c.dim, c.q_dim(), c.kv_dim(), c.ffn_dim, c.vocab_size);
        let cache_bytes = (max_ctx * kv_dim * kv.bytes()) as u64;
        if cache_bytes > gpu.max_binding {
            return Err(Error::Gpu {
                reason: format!(
                    "a KV cache of {max_ctx} positions needs {cache_bytes} bytes per layer, over the binding limit"
                ),
            });
        }
        let f = |label: &str, n: usize| gpu.buffer(label, (n * 4) as u64);
        let step = gpu.uniform("step", &crate::kernels::Step::default());
        let tokens = f("tokens", max_batch);
        let (x, xb) = (f("x", max_batch * dim), f("xb", max_batch * dim));
        // `qkv`: each token's Q/K/V product; `q`: its queries after RoPE.
        let (qkv, q, att) =
            (f("qkv", max_batch * (q_dim + 2 * kv_dim)), f("q", max_batch * q_dim), f("att", max_batch * q_dim));
        // `up`: the up product of separate gate and up matrices, or the pair
        // scratch (two values per row) of a fused one on cooperative
        // matrices; the register-tiled matmul needs neither (SwiGLU in
        // registers). budget.rs plans the same (`up_values`).
        let up_values = |l: &super::model::GpuLayer| match &l.gate_up {
            GateUp::Split { .. } => ffn,
            GateUp::Interleaved(_) if gpu.coop_tile.is_some() => 2 * ffn,
            GateUp::Interleaved(_) => 0,
        };
        let up_per_token = self.layers.iter().map(up_values).max().unwrap_or(0);
        let (gate, up) = (f("gate", max_batch * ffn), f("up", max_batch * up_per_token));
        let logits = f("logits", vocab);
        // All-position logits only as many rows as fit one binding.
        let all_rows = (gpu.max_binding / (vocab as u64 * 4)).clamp(1, max_batch as u64) as usize;
        let all_logits = f("all_logits", all_rows * vocab);
        let next_token = f("next_token", 1);
        let mut device_bytes =
            [&x, &xb, &qkv, &q, &att, &gate, &up, &logits, &all_logits].iter().map(|b| b.size()).sum::<u64>();
        let attention = Attention::new(gpu, c.n_heads, c.n_kv_heads, c.head_dim, max_ctx, kv)?;
        // With 8-bit activations the norms also write their last row in
        // 8-bit blocks (`xq`), which the Q/K/V, gate/up and output products
        // read instead of quantizing xb in passes of their own.
        let q8 = gpu.int8_activations && dim % quantize_x::BLOCK == 0;
        let make_norm = |add| {
            if q8 {
                RmsNorm::quantizing(gpu, dim, c.rms_eps, add)
            } else {
                RmsNorm::new(gpu, dim, c.rms_eps, add)
            }
        };
        let (norm, norm_add) = (make_norm(false)?, make_norm(true)?);
        let xq = q8.then(|| gpu.buffer("xq", quantize_x::row_bytes(dim)));
        device_bytes += xq.as_ref().map_or(0, wgpu::Buffer::size);
        let xb_in = Input { x: &xb, xq: xq.as_ref() };
        // Prefill products against 8-bit activations share one scratch for
        // the batch's quantized rows (each product quantizes its x first).
        let xq_batch =
            self.q8_prefill_cols().map(|cols| gpu.buffer("xq_batch", matmul_q8::batch_bytes(max_batch, cols)));
        device_bytes += xq_batch.as_ref().map_or(0, wgpu::Buffer::size);
        let xqb = xq_batch.as_ref();
        let bind_norm = |n: &RmsNorm, w: &wgpu::Buffer| match &xq {
            Some(q) => n.bind_quantized(gpu, [&x, w, &xb, q]),
            None => n.bind(gpu, &x, w, &xb),
        };
        let shape = QkvShape {
            n_heads: c.n_heads,
            n_kv_heads: c.n_kv_heads,
            head_dim: c.head_dim,
            rope_dim: c.rope_dim,
            layout: c.rope_layout,
            kv,
            bias: false,
        };
        let mut layers = Vec::with_capacity(self.layers.len());
        let (mut k_cache, mut v_cache) = (Vec::new(), Vec::new());
        for (i, l) in self.layers.iter().enumerate() {
            let cache = |name: String| gpu.buffer(&name, cache_bytes);
            let (kc, vc) = (cache(format!("k_cache.{i}")), cache(format!("v_cache.{i}")));
            device_bytes += kc.size() + vc.size();
            k_cache.push(kc.clone());
            v_cache.push(vc.clone());
            let io = QkvBuffers {
                step: &step,
                inv_freq: &self.inv_freq,
                qkv: &qkv,
                bias: l.bias.as_ref(),
                q: &q,
                k_cache: &kc,
                v_cache: &vc,
            };
            let post = QkvPost::new(gpu, QkvShape { bias: l.bias.is_some(), ..shape })?;
            let post_bg = post.bind(gpu, &io)?;
            layers.push(LayerKernels {
                attn_norm: bind_norm(if i == 0 { &norm } else { &norm_add }, &l.attn_norm),
                qkv: qkv_in(gpu, &l.qkv, &step, xb_in, (&qkv, xqb))?,
                qkv_post: bound(post, post_bg),
                attention: attention.bind(gpu, &step, &q, &kc, &vc, &att)?,
                o: linear(gpu, &l.wo, &step, &att, (&xb, xqb))?,
                ffn_norm: bind_norm(&norm_add, &l.ffn_norm),
                gate_up: match &l.gate_up {
                    GateUp::Interleaved(m) => FfnIn::Fused {
                        mv: MatVec::swiglu(gpu, m, &step, xb_in, &gate)?,
                        mm: match MatMul::swiglu_with(gpu, m, [&step, &xb, &gate], xqb)? {
                            Some(mm) => FusedBatch::InRegisters(mm),
                            None => FusedBatch::Pairs {
                                mm: MatMul::new(gpu, m, &step, &xb, &up)?,
                                pairs: elementwise(gpu, Op::SwiGluPairs, ffn, &step, &gate, &up)?,
                            },
                        },
                    },
                    GateUp::Split { gate: wg, up: wu } => FfnIn::Split {
                        gate: linear(gpu, wg, &step, xb_in, (&gate, xqb))?,
                        up: linear(gpu, wu, &step, xb_in, (&up, xqb))?,
                        swiglu: elementwise(gpu, Op::SwiGlu, ffn, &step, &gate, &up)?,
                    },
                },
                down: linear(gpu, &l.w_down, &step, &gate, (&xb, xqb))?,
            });
        }
        device_bytes += layers.iter().map(LayerKernels::matvec_scratch).sum::<u64>();
        let out_m = self.output_matrix();
        let argmax = Argmax::new(gpu, vocab)?;
        let argmax_bg = argmax.bind(gpu, &logits, &next_token);
        let k = TOP_K.min(vocab);
        let top_k = TopK::new(gpu, vocab, k)?;
        let top_k_out = f("top_k", 2 * k);
        let top_k_bind = top_k.bind(gpu, &logits, &top_k_out);
        let readback = Readback {
            token: staging(gpu, "readback.token", 4),
            logits: staging(gpu, "readback.logits", (all_rows * vocab * 4) as u64),
        };
        let output = Linear {
            mv: MatVec::new(gpu, out_m, &step, xb_in, &logits)?,
            mm: MatMul::at_with(gpu, out_m, [&step, &xb, &all_logits], (0, out_m.rows), xqb)?,
        };
        let output_last = MatVec::last_row(gpu, out_m, &step, xb_in, &logits)?;
        device_bytes += output.mv.scratch_bytes() + output_last.scratch_bytes();
        Ok(GpuState {
            max_ctx,
            max_batch,
            embed: Embed::new(gpu, &self.token_embd, &step, &tokens, &x)?,
            output_norm: bind_norm(if self.layers.is_empty() { &norm } else { &norm_add }, &self.output_norm),
            output,
            output_last,
            argmax,
            argmax_bind: argmax_bg,
            top_k,
            top_k_bind,
            top_k_out,
            kv_type: kv,
            k_cache,
            v_cache,
            readback,
            layers,
            attention,
            norm,
            norm_add,
            step,
            tokens,
            next_token,
            logits,
            all_logits,
            device_bytes,
        })
    }
}

/// Candidates the GPU returns for sampling (see `sampling::MAX_GPU_CANDIDATES`).
pub const TOP_K: usize = 64;

fn staging(gpu: &Gpu, label: &str, size: u64) -> wgpu::Buffer {
    gpu.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size: size.max(4),
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    })
}

impl GpuState {
    /// Positions this state can hold.
    pub fn context_length(&self) -> usize {
        self.max_ctx
    }
}
