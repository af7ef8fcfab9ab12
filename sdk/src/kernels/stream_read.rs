//! Streaming read (`shaders/stream_read.wgsl`): the adapter's memory roofline.
//! Each workgroup sums one contiguous chunk of a buffer, its lanes reading
//! either interleaved vec4s or each a run of its own ([`Pattern`]); `hearth
//! bench --roofline` times both and takes the faster as the read bandwidth
//! every memory-bound kernel is compared with.

use super::{bind, compose, grid, pipeline, reduce_workgroup, Variant};
use crate::error::Result;
use crate::gpu::Gpu;

/// WGSL body.
pub const SOURCE: &str = include_str!("../../../shaders/stream_read.wgsl");

/// vec4s each workgroup reads (64 KiB: large enough that per-workgroup
/// overhead vanishes, small enough for thousands of workgroups on 100 MB).
pub const CHUNK_VEC4: u32 = 4096;

/// The composed source for a variant.
pub fn source(variant: Variant) -> String {
    compose(variant, true, &[SOURCE])
}

/// Workgroups for a buffer of `vec4s` vec4s.
pub fn workgroups(vec4s: u32) -> u32 {
    vec4s.div_ceil(CHUNK_VEC4)
}

/// CPU reference: the sum of each workgroup's chunk (`data` holds f32 values,
/// four per vec4).
pub fn reference(data: &[f32]) -> Vec<f32> {
    data.chunks(CHUNK_VEC4 as usize * 4).map(|c| c.iter().map(|&v| f64::from(v)).sum::<f64>() as f32).collect()
}

/// How a workgroup's lanes share its chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// Lane i reads vec4s i, i + WG, … (coalesced).
    Interleaved,
    /// Lane i reads its own contiguous run (as a lane-rows matvec reads a row).
    LaneRuns,
}

/// The bound kernel.
#[derive(Debug)]
pub struct StreamRead {
    pipeline: wgpu::ComputePipeline,
    bind_group: wgpu::BindGroup,
    workgroups: u32,
}

impl StreamRead {
    /// Read `src` (`vec4s` × 16 bytes) and write one sum per workgroup to `out`
    /// (≥ `workgroups(vec4s)` f32 values).
    pub fn new(gpu: &Gpu, src: &wgpu::Buffer, vec4s: u32, out: &wgpu::Buffer, pattern: Pattern) -> Result<Self> {
        let v = Variant::of(gpu);
        let constants = [
            ("WG", f64::from(reduce_workgroup(gpu, v))),
            ("CHUNK", f64::from(CHUNK_VEC4)),
            ("TOTAL", f64::from(vec4s)),
            ("LANE_RUNS", if pattern == Pattern::LaneRuns { 1.0 } else { 0.0 }),
        ];
        let pipeline = pipeline(gpu, "stream_read", &source(v), &constants)?;
        let bind_group = bind(gpu, &pipeline, "stream_read", &[src.as_entire_binding(), out.as_entire_binding()]);
        Ok(StreamRead { pipeline, bind_group, workgroups: workgroups(vec4s) })
    }

    /// Record one full read of the buffer.
    pub fn dispatch(&self, pass: &mut wgpu::ComputePass<'_>) {
        let (x, y) = grid(self.workgroups);
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &self.bind_group, &[]);
        pass.dispatch_workgroups(x, y, 1);
    }
}
