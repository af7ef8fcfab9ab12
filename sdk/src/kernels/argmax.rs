//! Greedy and top-k selection over logits (`shaders/argmax.wgsl`), so a decode
//! step reads back a few bytes instead of the whole vocabulary.
//!
//! One shader does both (argmax is top-1): a level reduces each chunk of
//! [`CHUNK`] elements to its k best (id, value) pairs, and levels are chained
//! until a single workgroup writes the result: 151 936 logits take two levels
//! for argmax (149 partial winners, then one), three for top-64.

use super::{bind, compose, pipeline, reduce_workgroup, Variant};
use crate::error::{Error, Result};
use crate::gpu::Gpu;

/// WGSL body.
pub const SOURCE: &str = include_str!("../../../shaders/argmax.wgsl");
/// Input accessors of the first level (raw logits).
pub const LOGITS: &str = include_str!("../../../shaders/select_logits.wgsl");
/// Input accessors of later levels ((id, value) pairs).
pub const PAIRS: &str = include_str!("../../../shaders/select_pairs.wgsl");

/// Elements per workgroup at every level.
pub const CHUNK: u32 = 1024;
/// Largest k [`TopK`] accepts.
pub const MAX_K: usize = 64;
/// Ids must stay below 2^24 (exact as f32 inside the reduction).
const MAX_N: usize = 1 << 24;

/// The composed source: `pairs` selects the later-level input.
pub fn source(variant: Variant, pairs: bool) -> String {
    compose(variant, true, &[if pairs { PAIRS } else { LOGITS }, SOURCE])
}

#[derive(Debug)]
struct Level {
    pipeline: wgpu::ComputePipeline,
    groups: u32,
}

/// The chain of levels for `n` elements and `k` results.
#[derive(Debug)]
struct Select {
    levels: Vec<Level>,
    /// Pairs written by each non-final level, for the scratch sizes.
    scratch_pairs: [u64; 2],
}

impl Select {
    fn new(gpu: &Gpu, n: usize, k: usize, ids_only: bool) -> Result<Self> {
        if n == 0 || n >= MAX_N || k == 0 || k > MAX_K || k > n {
            return Err(Error::InvalidArgument {
                reason: format!("selection of {k} of {n} values: need 1 ≤ k ≤ min(n, {MAX_K}) and n < 2^24"),
            });
        }
        let v = Variant::of(gpu);
        let wg = f64::from(reduce_workgroup(gpu, v));
        let mut levels = Vec::new();
        let mut scratch_pairs = [0u64; 2];
        let mut len = n as u64;
        loop {
            let groups = len.div_ceil(u64::from(CHUNK));
            let last = groups == 1;
            let constants = [
                ("N", len as f64),
                ("K", k as f64),
                ("CHUNK", f64::from(CHUNK)),
                ("IDS_ONLY", if last && ids_only { 1.0 } else { 0.0 }),
                ("WG", wg),
            ];
            let pipeline = pipeline(gpu, "select", &source(v, !levels.is_empty()), &constants)?;
            if !last {
                let out = groups * k as u64;
                let slot = &mut scratch_pairs[levels.len() % 2];
                *slot = (*slot).max(out);
                len = out;
            }
            levels.push(Level { pipeline, groups: groups as u32 });
            if last {
                return Ok(Select { levels, scratch_pairs });
            }
        }
    }

    fn bind(&self, gpu: &Gpu, logits: &wgpu::Buffer, out: &wgpu::Buffer) -> SelectBinding {
        // Level i writes scratch[i % 2] and level i + 1 reads it: ping-pong,
        // since one dispatch may not read and write the same buffer.
        let scratch = self.scratch_pairs.map(|p| gpu.buffer("select scratch", p * 8));
        let n = self.levels.len();
        let groups = self
            .levels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let src = if i == 0 { logits } else { &scratch[(i - 1) % 2] };
                let dst = if i + 1 == n { out } else { &scratch[i % 2] };
                bind(gpu, &l.pipeline, "select", &[src.as_entire_binding(), dst.as_entire_binding()])
            })
            .collect();
        SelectBinding { groups, _scratch: scratch }
    }

    fn dispatch(&self, pass: &mut wgpu::ComputePass<'_>, b: &SelectBinding) {
        for (l, bg) in self.levels.iter().zip(&b.groups) {
            pass.set_pipeline(&l.pipeline);
            pass.set_bind_group(0, bg, &[]);
            pass.dispatch_workgroups(l.groups, 1, 1);
        }
    }
}

/// A selection bound to its input and output, with the scratch buffers between levels.
#[derive(Debug)]
pub struct SelectBinding {
    groups: Vec<wgpu::BindGroup>,
    _scratch: [wgpu::Buffer; 2],
}

/// Index of the largest of `n` logits (lowest index on ties).
#[derive(Debug)]
pub struct Argmax(Select);

impl Argmax {
    /// Build for `n` logits (n < 2^24).
    pub fn new(gpu: &Gpu, n: usize) -> Result<Self> {
        Ok(Argmax(Select::new(gpu, n, 1, true)?))
    }

    /// Bind the logits (f32 × n) and the output (one u32).
    pub fn bind(&self, gpu: &Gpu, logits: &wgpu::Buffer, out: &wgpu::Buffer) -> SelectBinding {
        self.0.bind(gpu, logits, out)
    }

    /// Record the selection.
    pub fn dispatch(&self, pass: &mut wgpu::ComputePass<'_>, b: &SelectBinding) {
        self.0.dispatch(pass, b);
    }
}

/// The `k` largest of `n` logits as (id u32, value f32 bits) pairs, by value
/// descending, lower id first on equal values.
#[derive(Debug)]
pub struct TopK(Select);

impl TopK {
    /// Build for `n` logits (n < 2^24) and 1 ≤ k ≤ min(n, 64).
    pub fn new(gpu: &Gpu, n: usize, k: usize) -> Result<Self> {
        Ok(TopK(Select::new(gpu, n, k, false)?))
    }

    /// Bind the logits (f32 × n) and the output (2·k u32).
    pub fn bind(&self, gpu: &Gpu, logits: &wgpu::Buffer, out: &wgpu::Buffer) -> SelectBinding {
        self.0.bind(gpu, logits, out)
    }

    /// Record the selection.
    pub fn dispatch(&self, pass: &mut wgpu::ComputePass<'_>, b: &SelectBinding) {
        self.0.dispatch(pass, b);
    }
}

/// CPU reference for [`TopK`]: the `k` best (id, value) by the same order.
pub fn top_k_reference(x: &[f32], k: usize) -> Vec<(u32, f32)> {
    let mut ids: Vec<u32> = (0..x.len() as u32).collect();
    ids.sort_by(|&a, &b| {
        let (va, vb) = (x[a as usize], x[b as usize]);
        vb.partial_cmp(&va).unwrap_or(std::cmp::Ordering::Equal).then(a.cmp(&b))
    });
    ids.into_iter().take(k).map(|i| (i, x[i as usize])).collect()
}
