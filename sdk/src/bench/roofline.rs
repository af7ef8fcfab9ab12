//! The adapter's own ceilings, measured with Hearth's roofline kernels.

use super::{in_pass, time_gpu};
use crate::error::Result;
use crate::gpu::Gpu;
use crate::kernels::fma_peak::{self, FmaPeak};
use crate::kernels::stream_read::{self, Pattern, StreamRead, CHUNK_VEC4};
use serde::Serialize;

/// Bytes the streaming read covers: past every cache (H100's L2 is 50 MB), at
/// most one binding.
const READ_BYTES: u64 = 256 << 20;
/// FMA dispatch size: enough invocations to fill a large GPU (8192 × 64).
const FMA_WORKGROUPS: u32 = 8192;
const FMA_ITERS: u32 = 128;

/// What the adapter can do, measured.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Roofline {
    /// Streaming-read bandwidth of `stream_read.wgsl`, GB/s (1e9 bytes): the
    /// fastest of its patterns.
    pub read_gbps: f64,
    /// The interleaved pattern's bandwidth (lanes read neighbouring vec4s).
    pub read_interleaved_gbps: f64,
    /// The lane-runs pattern's bandwidth (each lane reads its own run).
    pub read_lane_runs_gbps: f64,
    /// The interleaved pattern's bandwidth from a texture (where CPU
    /// adapters keep weights, `gpu::storage`).
    pub read_texture_gbps: f64,
    /// `copy_buffer_to_buffer` bandwidth, bytes read plus bytes written, GB/s.
    pub copy_gbps: f64,
    /// f32 FMA throughput of `fma_peak.wgsl`, GFLOP/s (an FMA is 2 FLOP).
    pub fma_gflops: f64,
    /// Bytes read per streaming-read dispatch.
    pub read_bytes: u64,
}

impl Roofline {
    /// `bytes_per_s` as a percentage of the read bandwidth.
    pub fn read_percent(&self, bytes_per_s: f64) -> f64 {
        100.0 * bytes_per_s / (self.read_gbps * 1e9).max(1.0)
    }

    /// `flops_per_s` as a percentage of the FMA throughput.
    pub fn fma_percent(&self, flops_per_s: f64) -> f64 {
        100.0 * flops_per_s / (self.fma_gflops * 1e9).max(1.0)
    }
}

/// Measure read bandwidth, copy bandwidth and FMA throughput.
pub fn measure(gpu: &Gpu) -> Result<Roofline> {
    let chunk_bytes = u64::from(CHUNK_VEC4) * 16;
    let bytes = (READ_BYTES.min(gpu.max_binding) / chunk_bytes).max(1) * chunk_bytes;
    let vec4s = (bytes / 16) as u32;
    let src = gpu.buffer("roofline src", bytes);
    let sums = gpu.buffer("roofline sums", u64::from(stream_read::workgroups(vec4s)) * 4);
    let mut read_gbps = [0.0; 3];
    for (gbps, pattern) in read_gbps.iter_mut().zip([Pattern::Interleaved, Pattern::LaneRuns, Pattern::Texture]) {
        let read = StreamRead::new(gpu, &src, vec4s, &sums, pattern)?;
        *gbps = bytes as f64 / time_gpu(gpu, &|enc| in_pass(enc, |p| read.dispatch(p)))? / 1e9;
    }

    let dst = gpu.buffer("roofline dst", bytes);
    let copy_s = time_gpu(gpu, &|enc| enc.copy_buffer_to_buffer(&src, 0, &dst, 0, bytes))?;
    drop((src, dst));

    let out = gpu.buffer("fma out", u64::from(FMA_WORKGROUPS * fma_peak::WORKGROUP) * 16);
    let fma = FmaPeak::new(gpu, FMA_WORKGROUPS, FMA_ITERS, &out)?;
    let fma_s = time_gpu(gpu, &|enc| in_pass(enc, |p| fma.dispatch(p)))?;
    Ok(Roofline {
        read_gbps: read_gbps.into_iter().fold(0.0, f64::max),
        read_interleaved_gbps: read_gbps[0],
        read_lane_runs_gbps: read_gbps[1],
        read_texture_gbps: read_gbps[2],
        copy_gbps: 2.0 * bytes as f64 / copy_s / 1e9,
        fma_gflops: fma_peak::flops(FMA_WORKGROUPS, FMA_ITERS) / fma_s / 1e9,
        read_bytes: bytes,
    })
}
