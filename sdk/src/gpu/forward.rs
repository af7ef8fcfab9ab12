//! Recording a forward call: one command encoder, one compute pass, reused
//! bind groups; only the chosen token (or the logits asked for) is read back.

use super::map_read;
use super::model::GpuModel;
use super::record::OnePass;
use super::state::GpuState;
use crate::error::{Error, Result};
use crate::model::KvCacheType;

/// What a forward call leaves for the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tail {
    /// Greedy: argmax on the GPU; the token is fed to the next step on the
    /// device and 4 bytes are read back.
    Argmax,
    /// Logits of the last token.
    Logits,
    /// The best `TOP_K` (id, logit) pairs of the last token.
    TopK,
    /// Logits of every token of the call.
    AllLogits,
    /// Nothing (a prefill chunk that is not the last).
    None,
}

impl GpuModel {
    /// Run `tokens` at positions `pos..`; return the logits of the last one.
    pub fn forward(&self, st: &mut GpuState, tokens: &[u32], pos: usize) -> Result<Vec<f32>> {
        self.run_chunks(st, tokens, pos, Tail::Logits)?;
        self.read_f32(st, &st.logits, self.config.vocab_size)
    }

    /// Run `tokens` at positions `pos..`; return the logits of every one.
    pub fn forward_all(&self, st: &mut GpuState, tokens: &[u32], pos: usize) -> Result<Vec<Vec<f32>>> {
        let vocab = self.config.vocab_size;
        let rows = (st.all_logits.size() as usize / 4 / vocab).max(1);
        let mut out = Vec::with_capacity(tokens.len());
        for (i, chunk) in tokens.chunks(rows.min(st.max_batch)).enumerate() {
            self.run_one(st, chunk, pos + i * rows.min(st.max_batch), Tail::AllLogits)?;
            let flat = self.read_f32(st, &st.all_logits, chunk.len() * vocab)?;
            out.extend(flat.chunks_exact(vocab).map(<[f32]>::to_vec));
        }
        Ok(out)
    }

    /// Run `tokens` at positions `pos..` and return the argmax of the last
    /// logits, computed on the GPU. The token also stays on the device as the
    /// input of [`GpuModel::decode_next`].
    pub fn forward_greedy(&self, st: &mut GpuState, tokens: &[u32], pos: usize) -> Result<u32> {
        self.run_chunks(st, tokens, pos, Tail::Argmax)?;
        self.read_token(st)
    }

    /// Run `tokens` at positions `pos..`; return the best candidates of the
    /// last logits as (id, logit), best first: the host reads 512 bytes, not
    /// the vocabulary.
    pub fn forward_top_k(&self, st: &mut GpuState, tokens: &[u32], pos: usize) -> Result<Vec<(u32, f32)>> {
        self.run_chunks(st, tokens, pos, Tail::TopK)?;
        let n = (st.top_k_out.size() / 8) as usize;
        let raw = self.read_f32(st, &st.top_k_out, 2 * n)?;
        Ok(raw.chunks_exact(2).map(|p| (p[0].to_bits(), f32::from_bits(p[1].to_bits()))).collect())
    }

    /// Copy the KV cache of positions `0..n` to the host: per layer, K then V,
    /// each `n × kv_dim` f32 values.
    pub fn export_kv(&self, st: &GpuState, n: usize) -> Result<Vec<f32>> {
        let bytes = (n * self.config.kv_dim() * 4) as u64;
        let mut out = Vec::new();
        if bytes == 0 {
            return Ok(out);
        }
        for (k, v) in st.k_cache.iter().zip(&st.v_cache) {
            for buf in [k, v] {
                out.extend(
                    self.gpu
                        .read_bytes(buf, bytes)?
                        .chunks_exact(4)
                        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
                );
            }
        }
        Ok(out)
    }

    /// Load a KV cache exported by [`GpuModel::export_kv`] for `n` positions.
    pub fn import_kv(&self, st: &GpuState, n: usize, data: &[f32]) -> Result<()> {
        let per = n * self.config.kv_dim();
        if n > st.max_ctx || data.len() != per * 2 * st.k_cache.len() {
            return Err(Error::InvalidArgument {
                reason: format!("KV data for {n} positions does not fit this state"),
            });
        }
        if per == 0 {
            return Ok(());
        }
        for (i, chunk) in data.chunks_exact(per).enumerate() {
            let buf = if i % 2 == 0 { &st.k_cache[i / 2] } else { &st.v_cache[i / 2] };
            match st.kv_type {
                KvCacheType::F32 => self.gpu.queue.write_buffer(buf, 0, bytemuck::cast_slice(chunk)),
                KvCacheType::F16 => {
                    let halves: Vec<u8> = chunk.iter().flat_map(|&x| half::f16::from_f32(x).to_le_bytes()).collect();
                    self.gpu.queue.write_buffer(buf, 0, &halves);
                }
            }
        }
        self.gpu.queue.submit([]);
        Ok(())
    }

    /// One greedy decode step on the token the last greedy call chose, at `pos`
    /// (no upload: the token never left the device).
    pub fn decode_next(&self, st: &mut GpuState, pos: usize) -> Result<u32> {
        self.check_range(st, 1, pos)?;
        self.record_and_submit(st, None, 1, pos, Tail::Argmax)?;
        self.read_token(st)
    }

    pub(super) fn check_range(&self, st: &GpuState, n: usize, pos: usize) -> Result<()> {
        if pos + n > st.max_ctx {
            return Err(Error::ContextFull { pos, tokens: n, ctx: st.max_ctx });
        }
        Ok(())
    }

    fn run_chunks(&self, st: &mut GpuState, tokens: &[u32], pos: usize, tail: Tail) -> Result<()> {
        if tokens.is_empty() {
            return Err(Error::InvalidArgument { reason: "no tokens to run".into() });
        }
        let n_chunks = tokens.len().div_ceil(st.max_batch);
        for (i, chunk) in tokens.chunks(st.max_batch).enumerate() {
            let t = if i + 1 == n_chunks { tail } else { Tail::None };
            self.run_one(st, chunk, pos + i * st.max_batch, t)?;
        }
        Ok(())
    }

    fn run_one(&self, st: &mut GpuState, tokens: &[u32], pos: usize, tail: Tail) -> Result<()> {
        self.check_range(st, tokens.len(), pos)?;
        let vocab = self.config.vocab_size;
        if let Some(&bad) = tokens.iter().find(|&&t| t as usize >= vocab) {
            return Err(Error::TokenOutOfRange { id: bad, vocab_size: vocab });
        }
        self.record_and_submit(st, Some(tokens), tokens.len() as u32, pos, tail)
    }

    /// Record one call of `n` tokens at `pos` into one encoder and submit it.
    /// `tokens = None` reuses the token the previous argmax left on the device.
    fn record_and_submit(&self, st: &GpuState, tokens: Option<&[u32]>, n: u32, pos: usize, tail: Tail) -> Result<()> {
        let step = self.write_step(st, tokens, n, pos);
        let mut enc =
            self.gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("forward") });
        {
            let mut p =
                enc.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some("forward"), timestamp_writes: None });
            self.record_kernels(st, &mut OnePass(&mut p), step, tail);
        }
        Self::record_tail_copies(st, &mut enc, tail);
        self.gpu.submit("forward pass", enc.finish())
    }

    pub(super) fn read_token(&self, st: &GpuState) -> Result<u32> {
        let bytes = map_read(&self.gpu, &st.readback.token, 4)?;
        Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    fn read_f32(&self, st: &GpuState, src: &wgpu::Buffer, n: usize) -> Result<Vec<f32>> {
        let bytes = (n * 4) as u64;
        let mut enc = self.gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("logits") });
        enc.copy_buffer_to_buffer(src, 0, &st.readback.logits, 0, bytes);
        self.gpu.submit("logits readback", enc.finish())?;
        let raw = map_read(&self.gpu, &st.readback.logits, bytes)?;
        Ok(raw.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
    }
}
