//! Streaming read (`shaders/stream_read.wgsl`): the adapter's memory roofline.
//! Each workgroup sums one contiguous chunk of a buffer, its lanes reading
//! either interleaved vec4s or each a run of its own, or interleaved texels
//! of a copy of the buffer in a texture ([`Pattern`]: CPU adapters keep
//! weights in textures, `gpu::storage`); `hearth bench --roofline` times all
//! three and takes the fastest as the read bandwidth every memory-bound
//! kernel is compared with.

use super::{bind, compose, grid, pipeline, reduce_workgroup, Variant};
use crate::error::{Error, Result};
use crate::gpu::storage::{word_texture, TEXTURE_WIDTH};
use crate::gpu::Gpu;

/// WGSL body.
pub const SOURCE: &str = include_str!("../../../shaders/stream_read.wgsl");

/// vec4s each workgroup reads (64 KiB: large enough that per-workgroup
/// overhead vanishes, small enough for thousands of workgroups on 100 MB).
pub const CHUNK_VEC4: u32 = 4096;

/// `src` as a storage buffer (the define step of `stream_read.wgsl`).
const SRC_BUFFER: &str = "@group(0) @binding(0) var<storage, read> src: array<vec4<f32>>;
fn load_src(i: u32) -> vec4<f32> { return src[i]; }";

/// `src` as a texture of `TEXTURE_WIDTH` texels per row (as `texture_copy` makes it).
fn src_texture() -> String {
    format!(
        "@group(0) @binding(0) var src: texture_2d<u32>;
fn load_src(i: u32) -> vec4<f32> {{ return bitcast<vec4<f32>>(textureLoad(src, vec2<u32>(i % {w}u, i / {w}u), 0)); }}",
        w = TEXTURE_WIDTH
    )
}

/// The composed source for a variant, reading a buffer or a texture.
pub fn source(variant: Variant, texture: bool) -> String {
    let src = if texture { src_texture() } else { SRC_BUFFER.to_owned() };
    compose(variant, true, &[&src, SOURCE])
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
    /// Interleaved, from a texture copy of the buffer (as CPU adapters'
    /// weights are read).
    Texture,
}

/// The bound kernel.
#[derive(Debug)]
pub struct StreamRead {
    pipeline: wgpu::ComputePipeline,
    bind_group: wgpu::BindGroup,
    workgroups: u32,
    /// The texture copy read by `Pattern::Texture`.
    _texture: Option<wgpu::Texture>,
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
        let texture = if pattern == Pattern::Texture { Some(texture_copy(gpu, src, vec4s)?) } else { None };
        let pipeline = pipeline(gpu, "stream_read", &source(v, texture.is_some()), &constants)?;
        let view = texture.as_ref().map(|t| t.create_view(&wgpu::TextureViewDescriptor::default()));
        let read = match &view {
            Some(v) => wgpu::BindingResource::TextureView(v),
            None => src.as_entire_binding(),
        };
        let bind_group = bind(gpu, &pipeline, "stream_read", &[read, out.as_entire_binding()]);
        Ok(StreamRead { pipeline, bind_group, workgroups: workgroups(vec4s), _texture: texture })
    }

    /// Record one full read of the buffer.
    pub fn dispatch(&self, pass: &mut wgpu::ComputePass<'_>) {
        let (x, y) = grid(self.workgroups);
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &self.bind_group, &[]);
        pass.dispatch_workgroups(x, y, 1);
    }
}

/// The first `vec4s` vec4s of `src` in a texture of `TEXTURE_WIDTH` texels
/// per row (the last row partly filled).
fn texture_copy(gpu: &Gpu, src: &wgpu::Buffer, vec4s: u32) -> Result<wgpu::Texture> {
    let (full, rest) = (vec4s / TEXTURE_WIDTH, vec4s % TEXTURE_WIDTH);
    let rows = full + u32::from(rest > 0);
    if rows > gpu.device.limits().max_texture_dimension_2d {
        return Err(Error::Gpu { reason: format!("stream_read: {vec4s} vec4s exceed the largest texture") });
    }
    let texture = word_texture(gpu, "stream_read", TEXTURE_WIDTH, rows.max(1));
    let mut enc = gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("stream_read") });
    let row_bytes = TEXTURE_WIDTH * 16;
    // Whole rows, then the partial last one.
    for (y, width, height) in [(0, TEXTURE_WIDTH, full), (full, rest, 1)] {
        if width == 0 || height == 0 {
            continue;
        }
        let layout = wgpu::TexelCopyBufferLayout {
            offset: u64::from(y) * u64::from(row_bytes),
            bytes_per_row: Some(row_bytes),
            rows_per_image: Some(height),
        };
        let mut dst = texture.as_image_copy();
        dst.origin.y = y;
        enc.copy_buffer_to_texture(
            wgpu::TexelCopyBufferInfo { buffer: src, layout },
            dst,
            wgpu::Extent3d { width, height, depth_or_array_layers: 1 },
        );
    }
    gpu.submit("stream_read texture", enc.finish())?;
    Ok(texture)
}
