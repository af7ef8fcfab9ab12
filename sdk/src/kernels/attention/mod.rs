//! Grouped-query causal attention over a per-layer KV cache.
//!
//! Decode (one token) uses split-K "flash decoding": `shaders/attention.wgsl`
//! cuts the keys into chunks ([`DecodeShape`]), one workgroup per (chunk,
//! head) writing a partial (max, sum, weighted V), and
//! `shaders/attention_combine.wgsl` merges them per head. Prefill (several
//! tokens) uses `shaders/attention_prefill.wgsl`: tiles of query tokens walk
//! tiles of [`PREFILL_KEYS`] keys with an online softmax, one dispatch per
//! range of [`prefill_range`] keys, the row state parked in global memory
//! between ranges.
//!
//! Both paths bound the loop iterations of every invocation whatever the
//! context length: llvmpipe (lavapipe) silently ends an invocation after
//! 65535 loop iterations summed over all its loops.

use super::{bind, pipeline, reduce_workgroup, row_workgroup, Variant};
use crate::error::{Error, Result};
use crate::gpu::Gpu;
use crate::model::KvCacheType;

mod sources;
pub use sources::*;

/// Widest head the lane kernel holds in registers (`4 · MAX_GROUPS`).
pub const PREFILL_LANES_MAX_HEAD_DIM: usize = 256;

/// How the decode pass is cut: keys per workgroup, and the variant and size
/// of its workgroups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeShape {
    /// Keys per workgroup.
    pub chunk: u32,
    /// The split pass's variant (its reduction helpers).
    pub variant: Variant,
    /// Invocations per split workgroup.
    pub wg: u32,
    /// The lane kernel (`attention_lanes.wgsl`: one subgroup, a key per
    /// lane at a time, no workgroup memory) instead of `attention.wgsl`.
    /// Used for heads up to [`PREFILL_LANES_MAX_HEAD_DIM`] wide.
    pub lanes: bool,
    /// With `lanes`, models with several query heads per KV head take the
    /// grouped lane kernel (`attention_decode_group.wgsl`: a lane per query
    /// head, each key read once for the heads that share it).
    pub grouped: bool,
}

impl DecodeShape {
    /// The shape for `gpu`: a [`row_workgroup`]; chunks of 128 keys on CPU
    /// adapters (few, long workgroups suit a few cores), 64 on GPUs (twice the
    /// workgroups to fill the device with, half the keys to walk in each).
    pub fn for_adapter(gpu: &Gpu) -> Self {
        let (variant, wg) = row_workgroup(gpu, Variant::of(gpu));
        let lanes = uses_lanes(gpu);
        DecodeShape { chunk: if gpu.is_cpu_adapter() { 128 } else { 64 }, variant, wg, lanes, grouped: lanes }
    }
}
/// Keys per tile in the prefill kernel (`BK` in the shader).
pub const PREFILL_KEYS: u32 = 16;

/// Whether decode with `group` query heads per KV head, heads of `head_dim`
/// and split workgroups of `wg` lanes in chunks of `chunk` keys can take the
/// grouped lane pass: at least two heads to share each key, a subgroup of
/// at least the pass's 8 keys per step, whole steps per chunk, and a head
/// the lanes hold in registers.
pub fn decode_group_fits(group: usize, head_dim: usize, wg: u32, chunk: u32) -> bool {
    group >= 2 && wg >= 8 && chunk % 8 == 0 && head_dim <= PREFILL_LANES_MAX_HEAD_DIM
}

/// Query tokens per lane of the lane prefill kernel (`QPL` in
/// `attention_prefill_lanes.wgsl`; at most its `MAX_QUERIES`): each key a
/// lane loads serves this many queries of every lane. On lavapipe a storage
/// load costs more than the arithmetic it feeds; two per lane made the
/// kernel 15-20 % faster, four no faster than two (BENCHMARKS.md, session 8).
pub const PREFILL_LANE_QUERIES: u32 = 2;

/// Whether prefill on `gpu` uses the lane kernel: CPU adapters whose
/// workgroup of one fixed-size subgroup (at least the kernel's 8 keys per
/// step) holds a head of `head_dim` in registers.
pub fn prefill_uses_lanes(gpu: &Gpu, head_dim: usize) -> bool {
    uses_lanes(gpu) && head_dim <= PREFILL_LANES_MAX_HEAD_DIM
}

/// CPU adapters whose workgroups can be one fixed-size subgroup of at least
/// 8 lanes, with subgroup operations: where the lane kernels run.
fn uses_lanes(gpu: &Gpu) -> bool {
    let (min, max) = gpu.summary.subgroup_size;
    Variant::of(gpu).subgroups && gpu.is_cpu_adapter() && min == max && (8..=64).contains(&min)
}

/// Query tokens per prefill workgroup: 16, fewer for wide heads so the
/// accumulators (BQ × head_dim f32) stay within 8 KiB of workgroup memory.
pub fn prefill_queries(head_dim: usize) -> u32 {
    (2048 / head_dim.max(1)).clamp(1, 16) as u32
}

/// Keys per prefill dispatch for workgroups of `wg` invocations. llvmpipe
/// ends a shader invocation after 65535 loop iterations in total (all loops
/// together, silently); with 64 invocations a 16-key tile costs each about
/// 300 iterations at any head width up to 512, so 1024 keys stay near
/// 20 000. Fewer invocations do proportionally more iterations each, and
/// wider heads get shorter ranges.
pub fn prefill_range(head_dim: usize, wg: u32) -> u32 {
    let base = if head_dim <= 512 { 1024 } else { 256 };
    (base * wg.clamp(1, 64) / 64 / PREFILL_KEYS * PREFILL_KEYS).max(PREFILL_KEYS)
}

/// Invocations per prefill workgroup. GPUs: 64 (the kernel uses no
/// reductions, and more invocations mean fewer loop iterations each). CPU
/// adapters: one subgroup, so a workgroup is a single SIMD loop and its
/// barriers switch no contexts (llvmpipe runs a 64-invocation workgroup as
/// eight coroutines and switches all of them at each of the four barriers
/// per key tile).
pub fn prefill_workgroup(gpu: &Gpu) -> u32 {
    if gpu.is_cpu_adapter() {
        gpu.summary.subgroup_size.0.clamp(1, 64)
    } else {
        64
    }
}

/// Attention pipelines for one layer shape, and the scratch every binding of
/// them shares (layers run one after another, so one copy serves them all).
#[derive(Debug)]
pub struct Attention {
    split: wgpu::ComputePipeline,
    combine: wgpu::ComputePipeline,
    prefill: wgpu::ComputePipeline,
    n_heads: u32,
    /// Workgroup rows of the decode split pass: query heads, or for the
    /// grouped lane pass KV heads × head blocks.
    split_rows: u32,
    max_chunks: u32,
    /// Keys per decode workgroup.
    chunk: u32,
    bq: u32,
    range: u32,
    /// Decode partials: `n_heads × max_chunks × (head_dim + 2)` f32.
    partials: wgpu::Buffer,
    /// Prefill row state between ranges: `max_ctx × n_heads × 2` f32.
    stats: wgpu::Buffer,
    /// The first key of each prefill range, one uniform slice per range.
    ranges: wgpu::Buffer,
    range_stride: u64,
    n_ranges: u32,
}

/// One attention call site's bind groups, made once and reused for every call.
#[derive(Debug)]
pub struct AttentionBinding {
    split: wgpu::BindGroup,
    combine: wgpu::BindGroup,
    /// One per key range.
    prefill: Vec<wgpu::BindGroup>,
}

impl Attention {
    /// Build for `n_heads` query heads sharing `n_kv_heads` KV heads of
    /// `head_dim`, over a cache of `max_ctx` positions.
    pub fn new(
        gpu: &Gpu,
        n_heads: usize,
        n_kv_heads: usize,
        head_dim: usize,
        max_ctx: usize,
        kv: KvCacheType,
    ) -> Result<Self> {
        Self::with_decode_shape(gpu, n_heads, n_kv_heads, head_dim, max_ctx, kv, DecodeShape::for_adapter(gpu))
    }

    /// [`Attention::new`] with an explicit decode shape (tests run every
    /// adapter's shape on any adapter).
    pub fn with_decode_shape(
        gpu: &Gpu,
        n_heads: usize,
        n_kv_heads: usize,
        head_dim: usize,
        max_ctx: usize,
        kv: KvCacheType,
        decode: DecodeShape,
    ) -> Result<Self> {
        if kv == KvCacheType::F16 && head_dim % 2 != 0 {
            return Err(Error::InvalidArgument {
                reason: format!("an f16 KV cache needs an even head size, not {head_dim}"),
            });
        }
        if n_heads == 0 || n_kv_heads == 0 || n_heads % n_kv_heads != 0 || head_dim == 0 || max_ctx == 0 {
            return Err(Error::InvalidArgument {
                reason: format!(
                    "attention: {n_heads} heads over {n_kv_heads} KV heads of {head_dim} with context {max_ctx}"
                ),
            });
        }
        let v = Variant::of(gpu);
        let wg = f64::from(reduce_workgroup(gpu, v));
        let DecodeShape { chunk, variant: split_v, wg: split_wg, lanes: decode_lanes, grouped } = decode;
        // The lane passes need subgroups and hold heads up to 256 wide.
        let decode_lanes = decode_lanes && split_v.subgroups && head_dim <= PREFILL_LANES_MAX_HEAD_DIM;
        let group = n_heads / n_kv_heads;
        let grouped = decode_lanes && grouped && decode_group_fits(group, head_dim, split_wg, chunk);
        let split_rows = if grouped { n_kv_heads * group.div_ceil(split_wg as usize) } else { n_heads } as u32;
        let max_chunks = (max_ctx as u32).div_ceil(chunk);
        let lanes = prefill_uses_lanes(gpu, head_dim);
        let prefill_wg = if lanes { gpu.summary.subgroup_size.0 } else { prefill_workgroup(gpu) };
        // The lane kernel takes PREFILL_LANE_QUERIES queries per lane; its
        // loops per 8-key step are at most ~2·64 + 30 iterations per query,
        // so ranges of 1024 / PREFILL_LANE_QUERIES keys stay under 21 000.
        let bq = if lanes { prefill_wg * PREFILL_LANE_QUERIES } else { prefill_queries(head_dim) };
        let range = prefill_range(head_dim, if lanes { 64 / PREFILL_LANE_QUERIES } else { prefill_wg });
        let scale = f64::from(1.0 / (head_dim as f32).sqrt());
        let [_, combine_src, prefill_src] = sources(v, kv, head_dim);
        let (split_label, split_src) = if grouped {
            ("attention split (grouped lanes)", decode_group_source(split_v, kv, head_dim))
        } else if decode_lanes {
            ("attention split (lanes)", lanes_source(split_v, kv, head_dim))
        } else {
            let [split, _, _] = sources(split_v, kv, head_dim);
            ("attention split", split)
        };
        let shape = [
            ("N_HEADS", n_heads as f64),
            ("HEAD_DIM", head_dim as f64),
            ("GROUP", (n_heads / n_kv_heads) as f64),
            ("KV_STRIDE", (n_kv_heads * head_dim) as f64),
            ("SCALE", scale),
        ];
        let chunking = [("CHUNK", f64::from(chunk)), ("MAX_CHUNKS", f64::from(max_chunks))];
        let split_wg = [("WG", f64::from(split_wg))];
        let split = pipeline(gpu, split_label, &split_src, &[&shape[..], &chunking[..], &split_wg[..]].concat())?;
        let combine = pipeline(
            gpu,
            "attention combine",
            &combine_src,
            &[&[("HEAD_DIM", head_dim as f64), ("WG", wg)][..], &chunking[..]].concat(),
        )?;
        let tiling = [("RANGE", f64::from(range)), ("WG", f64::from(prefill_wg)), ("BQ", f64::from(bq))];
        let prefill = if lanes {
            // No BQ: a workgroup takes QPL queries per lane.
            let qpl = [("QPL", f64::from(PREFILL_LANE_QUERIES))];
            let src = prefill_lanes_source(v, kv, head_dim);
            pipeline(gpu, "attention prefill (lanes)", &src, &[&shape[..], &tiling[..2], &qpl[..]].concat())?
        } else {
            pipeline(gpu, "attention prefill", &prefill_src, &[&shape[..], &tiling[..]].concat())?
        };

        let sized = |what: &str, bytes: u64| -> Result<wgpu::Buffer> {
            if bytes > gpu.max_binding {
                return Err(Error::GpuOutOfMemory { what: what.into(), bytes });
            }
            Ok(gpu.buffer(what, bytes))
        };
        // + 4: the combine pass reads dims in fours, the last four may run past the end.
        let partials =
            sized("attention partials", (n_heads as u64 * u64::from(max_chunks) * (head_dim as u64 + 2) + 4) * 4)?;
        let stats = sized("attention stats", max_ctx as u64 * n_heads as u64 * 8)?;
        let n_ranges = (max_ctx as u32).div_ceil(range);
        let range_stride = u64::from(gpu.device.limits().min_uniform_buffer_offset_alignment).max(16);
        let mut starts = vec![0u8; (u64::from(n_ranges) * range_stride) as usize];
        for r in 0..n_ranges {
            let at = (u64::from(r) * range_stride) as usize;
            starts[at..at + 4].copy_from_slice(&(r * range).to_le_bytes());
        }
        let ranges = gpu.buffer_with("attention ranges", &starts, wgpu::BufferUsages::UNIFORM);
        Ok(Attention {
            split,
            combine,
            prefill,
            n_heads: n_heads as u32,
            split_rows,
            max_chunks,
            chunk,
            bq,
            range,
            partials,
            stats,
            ranges,
            range_stride,
            n_ranges,
        })
    }

    /// Bind the step uniform, the queries (`tokens × n_heads × head_dim`), the
    /// layer's caches (`max_ctx × n_kv_heads × head_dim` each) and the output
    /// (`tokens × n_heads × head_dim`, a buffer other than `q`). Bindings of
    /// one `Attention` share its scratch, so their calls must not overlap
    /// (calls recorded in order, as layers are, never do).
    pub fn bind(
        &self,
        gpu: &Gpu,
        step: &wgpu::Buffer,
        q: &wgpu::Buffer,
        k_cache: &wgpu::Buffer,
        v_cache: &wgpu::Buffer,
        out: &wgpu::Buffer,
    ) -> Result<AttentionBinding> {
        if q == out {
            // wgpu would only object when the pass runs (read-only and
            // read-write use of one buffer in a dispatch).
            return Err(Error::InvalidArgument { reason: "attention: q and out must be different buffers".into() });
        }
        let scope = gpu.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let split = bind(
            gpu,
            &self.split,
            "attention split",
            &[
                step.as_entire_binding(),
                q.as_entire_binding(),
                k_cache.as_entire_binding(),
                v_cache.as_entire_binding(),
                self.partials.as_entire_binding(),
            ],
        );
        let combine = bind(
            gpu,
            &self.combine,
            "attention combine",
            &[step.as_entire_binding(), self.partials.as_entire_binding(), out.as_entire_binding()],
        );
        let prefill = (0..self.n_ranges)
            .map(|r| {
                let range = wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                    buffer: &self.ranges,
                    offset: u64::from(r) * self.range_stride,
                    size: wgpu::BufferSize::new(16),
                });
                bind(
                    gpu,
                    &self.prefill,
                    "attention prefill",
                    &[
                        step.as_entire_binding(),
                        q.as_entire_binding(),
                        k_cache.as_entire_binding(),
                        v_cache.as_entire_binding(),
                        out.as_entire_binding(),
                        self.stats.as_entire_binding(),
                        range,
                    ],
                )
            })
            .collect();
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(Error::Gpu { reason: format!("attention bind: {e}") });
        }
        Ok(AttentionBinding { split, combine, prefill })
    }

    /// Record attention for `tokens` query tokens with `kv_len` = pos + tokens
    /// cache positions filled (both as the step uniform says).
    pub fn dispatch(&self, pass: &mut wgpu::ComputePass<'_>, b: &AttentionBinding, tokens: u32, kv_len: u32) {
        if tokens == 0 {
            return;
        }
        if tokens == 1 {
            let chunks = kv_len.div_ceil(self.chunk).clamp(1, self.max_chunks);
            pass.set_pipeline(&self.split);
            pass.set_bind_group(0, &b.split, &[]);
            pass.dispatch_workgroups(chunks, self.split_rows, 1);
            pass.set_pipeline(&self.combine);
            pass.set_bind_group(0, &b.combine, &[]);
            pass.dispatch_workgroups(self.n_heads, 1, 1);
        } else {
            pass.set_pipeline(&self.prefill);
            let ranges = kv_len.div_ceil(self.range).clamp(1, self.n_ranges) as usize;
            for bg in b.prefill.iter().take(ranges) {
                pass.set_bind_group(0, bg, &[]);
                pass.dispatch_workgroups(tokens.div_ceil(self.bq), self.n_heads, 1);
            }
        }
    }
}

/// CPU reference: plain loops as in the reference forward pass. Query token t
/// (position `pos0 + t`) attends to cache positions `0..=pos0 + t`; caches are
/// `positions × n_kv_heads × head_dim`.
#[allow(clippy::too_many_arguments)]
pub fn reference(
    q: &[f32],
    k_cache: &[f32],
    v_cache: &[f32],
    n_heads: usize,
    n_kv_heads: usize,
    head_dim: usize,
    pos0: usize,
    tokens: usize,
) -> Vec<f32> {
    let group = n_heads / n_kv_heads;
    let kv_dim = n_kv_heads * head_dim;
    let scale = 1.0 / (head_dim as f32).sqrt();
    let mut out = vec![0.0; tokens * n_heads * head_dim];
    for t in 0..tokens {
        let pos = pos0 + t;
        for h in 0..n_heads {
            let kv_off = (h / group) * head_dim;
            let qh = &q[(t * n_heads + h) * head_dim..][..head_dim];
            let mut scores: Vec<f32> = (0..=pos)
                .map(|j| crate::model::cpu::dot(qh, &k_cache[j * kv_dim + kv_off..][..head_dim]) * scale)
                .collect();
            crate::model::cpu::softmax(&mut scores);
            let o = &mut out[(t * n_heads + h) * head_dim..][..head_dim];
            for (j, &p) in scores.iter().enumerate() {
                for (o, &v) in o.iter_mut().zip(&v_cache[j * kv_dim + kv_off..][..head_dim]) {
                    *o += p * v;
                }
            }
        }
    }
    out
}
