//! Per-kernel GPU time of one forward call, from timestamp queries: each
//! kernel of the call is recorded into its own compute pass whose start and
//! end the GPU stamps (`Features::TIMESTAMP_QUERY`; no timestamps inside
//! passes needed). Passes add a little overhead and serialise the kernels, so
//! the sum is an upper bound of the busy time of a normal step; comparing it
//! with the wall time of a normal step shows how much of a step the GPU idles
//! (submission, synchronisation, readback).

use super::forward::Tail;
use super::map_read;
use super::model::GpuModel;
use super::record::Recorder;
use super::state::GpuState;
use crate::error::{Error, Result};

/// GPU time of one kernel kind within a profiled call.
#[derive(Debug, Clone, PartialEq)]
pub struct KernelTime {
    /// The kernel ("q", "attention", "argmax", …; see `record.rs`).
    pub kernel: &'static str,
    /// How many times it ran in the call (once per layer for most).
    pub calls: u32,
    /// Total GPU seconds over those calls.
    pub seconds: f64,
}

/// Counts the kernels of a call, to size the query set.
struct Count(u32);

impl Recorder for Count {
    fn kernel(&mut self, _name: &'static str, _record: &mut dyn FnMut(&mut wgpu::ComputePass<'_>)) {
        self.0 += 1;
    }
}

/// Each kernel in its own pass, stamped at its start and end.
struct TimedPasses<'a> {
    enc: &'a mut wgpu::CommandEncoder,
    queries: &'a wgpu::QuerySet,
    names: Vec<&'static str>,
}

impl Recorder for TimedPasses<'_> {
    fn kernel(&mut self, name: &'static str, record: &mut dyn FnMut(&mut wgpu::ComputePass<'_>)) {
        let i = self.names.len() as u32;
        let mut pass = self.enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some(name),
            timestamp_writes: Some(wgpu::ComputePassTimestampWrites {
                query_set: self.queries,
                beginning_of_pass_write_index: Some(2 * i),
                end_of_pass_write_index: Some(2 * i + 1),
            }),
        });
        record(&mut pass);
        self.names.push(name);
    }
}

impl GpuModel {
    /// Whether [`profile_decode`](Self::profile_decode) and
    /// [`profile_prefill`](Self::profile_prefill) can run on this device.
    pub fn can_profile(&self) -> bool {
        self.gpu.device.features().contains(wgpu::Features::TIMESTAMP_QUERY)
    }

    /// [`decode_next`](Self::decode_next) with per-kernel GPU times: the
    /// same greedy step, the same token.
    pub fn profile_decode(&self, st: &mut GpuState, pos: usize) -> Result<(u32, Vec<KernelTime>)> {
        self.check_range(st, 1, pos)?;
        let times = self.profile_call(st, None, 1, pos)?;
        Ok((self.read_token(st)?, times))
    }

    /// A greedy prefill of `tokens` at `pos` (at most one batch) with
    /// per-kernel GPU times; returns the next token as
    /// [`forward_greedy`](Self::forward_greedy) would.
    pub fn profile_prefill(&self, st: &mut GpuState, tokens: &[u32], pos: usize) -> Result<(u32, Vec<KernelTime>)> {
        if tokens.is_empty() || tokens.len() > st.max_batch {
            return Err(Error::InvalidArgument {
                reason: format!("profile 1..={} tokens, not {}", st.max_batch, tokens.len()),
            });
        }
        self.check_range(st, tokens.len(), pos)?;
        let vocab = self.config.vocab_size;
        if let Some(&bad) = tokens.iter().find(|&&t| t as usize >= vocab) {
            return Err(Error::TokenOutOfRange { id: bad, vocab_size: vocab });
        }
        let times = self.profile_call(st, Some(tokens), tokens.len() as u32, pos)?;
        Ok((self.read_token(st)?, times))
    }

    fn profile_call(&self, st: &GpuState, tokens: Option<&[u32]>, n: u32, pos: usize) -> Result<Vec<KernelTime>> {
        if !self.can_profile() {
            return Err(Error::Gpu { reason: format!("{} has no timestamp queries", self.gpu.summary.name) });
        }
        let step = self.write_step(st, tokens, n, pos);
        let mut count = Count(0);
        self.record_kernels(st, &mut count, step, Tail::Argmax);
        let stamps = 2 * count.0;
        let bytes = u64::from(stamps) * 8;
        let device = &self.gpu.device;
        let (queries, resolved, readback) = self.gpu.scoped("profile queries", bytes, || {
            let queries = device.create_query_set(&wgpu::QuerySetDescriptor {
                label: Some("profile"),
                ty: wgpu::QueryType::Timestamp,
                count: stamps,
            });
            let usage = wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC;
            let resolved = device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("profile stamps"),
                size: bytes,
                usage,
                mapped_at_creation: false,
            });
            let readback = device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("profile readback"),
                size: bytes,
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
            (queries, resolved, readback)
        })?;
        let mut enc = device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("profile") });
        let mut rec = TimedPasses { enc: &mut enc, queries: &queries, names: Vec::new() };
        self.record_kernels(st, &mut rec, step, Tail::Argmax);
        let names = rec.names;
        Self::record_tail_copies(st, &mut enc, Tail::Argmax);
        enc.resolve_query_set(&queries, 0..stamps, &resolved, 0);
        enc.copy_buffer_to_buffer(&resolved, 0, &readback, 0, bytes);
        self.gpu.submit("profiled forward pass", enc.finish())?;
        let raw = map_read(&self.gpu, &readback, bytes)?;
        let ticks: Vec<u64> = raw.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8]))).collect();
        Ok(aggregate(&names, &ticks, f64::from(self.gpu.queue.get_timestamp_period()) * 1e-9))
    }
}

/// Sum the (end − start) of each kernel's pass by name, in first-run order.
/// A pair that goes backwards (a timer reset) counts as zero.
fn aggregate(names: &[&'static str], ticks: &[u64], seconds_per_tick: f64) -> Vec<KernelTime> {
    let mut out: Vec<KernelTime> = Vec::new();
    for (name, pair) in names.iter().zip(ticks.chunks_exact(2)) {
        let seconds = pair[1].saturating_sub(pair[0]) as f64 * seconds_per_tick;
        match out.iter_mut().find(|k| k.kernel == *name) {
            Some(k) => {
                k.calls += 1;
                k.seconds += seconds;
            }
            None => out.push(KernelTime { kernel: name, calls: 1, seconds }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregate_sums_by_name_in_first_run_order() {
        let names = ["q", "k", "q", "argmax"];
        let ticks = [10, 30, 30, 35, 40, 70, 90, 80];
        let t = aggregate(&names, &ticks, 1e-9);
        let got: Vec<(&str, u32, f64)> = t.iter().map(|k| (k.kernel, k.calls, (k.seconds * 1e9).round())).collect();
        assert_eq!(got, [("q", 2, 50.0), ("k", 1, 5.0), ("argmax", 1, 0.0)]);
    }
}
