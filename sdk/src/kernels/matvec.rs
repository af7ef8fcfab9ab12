//! Matrix-vector product for decode (`shaders/matvec.wgsl`), per weight type:
//! the type's layout (`dtype_*.wgsl`) plus its block dot product (`dot_*.wgsl`).

use super::quantize_x::{self, QuantizeX};
use super::{bind_chunks, compose, grid, reduce_workgroup, Variant};
use crate::error::{Error, Result};
use crate::gpu::weights::{GpuMatrix, GpuType};
use crate::gpu::Gpu;

/// WGSL body.
pub const SOURCE: &str = include_str!("../../../shaders/matvec.wgsl");

/// The per-lane unit dot product of a type, for lanes that share a row
/// (`lane_rows` false) or compute whole rows.
pub fn dot_snippet(ty: GpuType, lane_rows: bool) -> &'static str {
    match ty {
        GpuType::F32 | GpuType::F16 => include_str!("../../../shaders/dot_generic.wgsl"),
        GpuType::Q8_0 => include_str!("../../../shaders/dot_q8_0.wgsl"),
        GpuType::Q4_0 => include_str!("../../../shaders/dot_q4_0.wgsl"),
        GpuType::Q4_K if lane_rows => include_str!("../../../shaders/dot_q4_k_rows.wgsl"),
        GpuType::Q4_K => include_str!("../../../shaders/dot_q4_k.wgsl"),
        GpuType::Q6_K => include_str!("../../../shaders/dot_q6_k.wgsl"),
    }
}

/// The four-rows step of the lane-rows product (`rows4_dot`): Q4_0 and
/// Q8_0 read one scale word per row for two blocks.
fn rows4_snippet(ty: GpuType) -> &'static str {
    match ty {
        GpuType::Q4_0 | GpuType::Q8_0 => include_str!("../../../shaders/dot_rows4_scaled.wgsl"),
        _ => include_str!("../../../shaders/dot_rows4.wgsl"),
    }
}

/// Whether the dot product of `ty` also reads the weights as vec4s
/// (binding 4, a second view of the weight buffer); `q8_x`: the one against
/// 8-bit activations.
pub fn reads_vec4_view(ty: GpuType, lane_rows: bool, q8_x: bool) -> bool {
    matches!(ty, GpuType::Q4_0 | GpuType::Q8_0 | GpuType::Q6_K) || (ty == GpuType::Q4_K && (lane_rows || q8_x))
}

/// `unit_dot2` (two rows' unit u, matvec.wgsl) for dot snippets without
/// their own: the two rows' products one after the other.
const DOT2_GENERIC: &str = "fn unit_dot2(ra: u32, rb: u32, u: u32, xrow: u32) -> vec2<f32> {
    return vec2<f32>(unit_dot(ra, u, xrow), unit_dot(rb, u, xrow));
}";

/// The dot snippet's `unit_dot2`, where it has none of its own.
fn dot2(dot: &str) -> &'static str {
    if dot.contains("fn unit_dot2(") {
        ""
    } else {
        DOT2_GENERIC
    }
}

/// Activations from a uniform binding of one row (`shaders/x_uniform.wgsl`).
pub const X_UNIFORM: &str = include_str!("../../../shaders/x_uniform.wgsl");

/// The unit dot product of `ty` against 8-bit activations (None: the type
/// has none, see [`quantize_x::supports`]).
fn dot_q8_snippet(ty: GpuType) -> Option<&'static str> {
    match ty {
        GpuType::Q4_0 => Some(include_str!("../../../shaders/dot_q4_0_q8.wgsl")),
        GpuType::Q8_0 => Some(include_str!("../../../shaders/dot_q8_0_q8.wgsl")),
        GpuType::Q4_K => Some(include_str!("../../../shaders/dot_q4_k_q8.wgsl")),
        GpuType::Q6_K => Some(include_str!("../../../shaders/dot_q6_k_q8.wgsl")),
        GpuType::F32 | GpuType::F16 => None,
    }
}

/// The composed source for a weight type, variant and lane layout, reading
/// x from storage (the last of `step.tokens` rows).
pub fn source(ty: GpuType, variant: Variant, lane_rows: bool) -> String {
    let dot = dot_snippet(ty, lane_rows);
    compose(variant, true, &[ty.snippet(), super::activations(ty), dot, dot2(dot), rows4_snippet(ty), SOURCE])
}

/// The composed source reading x from a uniform binding of one row of
/// `cols` values (a multiple of 4).
pub fn source_uniform_x(ty: GpuType, variant: Variant, lane_rows: bool, cols: usize) -> String {
    let size = format!("const X_VEC4S: u32 = {}u;", cols / 4);
    let dot = dot_snippet(ty, lane_rows);
    compose(variant, true, &[ty.snippet(), &size, X_UNIFORM, dot, dot2(dot), rows4_snippet(ty), SOURCE])
}

/// The composed source reading 8-bit activations (`quantize_x.wgsl`'s
/// layout) from storage, or from a uniform binding where `uniform_cols`
/// gives the row length; `shared`: the lanes of a lane-rows workgroup (one
/// subgroup of at least six lanes) share their activation loads
/// (`Layout::shared_x`; needs the subgroups variant). None for types
/// without such a dot product.
pub fn source_q8_x(ty: GpuType, variant: Variant, uniform_cols: Option<usize>, shared: bool) -> Option<String> {
    let dot = dot_q8_snippet(ty)?;
    let access = include_str!("../../../shaders/x_q8.wgsl");
    let size = uniform_cols.map(|cols| format!("const XQ_VEC4S: u32 = {}u;", quantize_x::row_bytes(cols) / 16));
    let binding = match uniform_cols {
        Some(_) => include_str!("../../../shaders/x_q8_uniform.wgsl"),
        None => include_str!("../../../shaders/x_q8_storage.wgsl"),
    };
    let pair = if shared && variant.subgroups {
        include_str!("../../../shaders/x_q8_pair_shared.wgsl")
    } else {
        include_str!("../../../shaders/x_q8_pair_loads.wgsl")
    };
    let rows4 = match ty {
        GpuType::Q4_0 | GpuType::Q8_0 => include_str!("../../../shaders/dot_rows4_q8.wgsl"),
        // dot_q4_k_q8.wgsl has its own.
        GpuType::Q4_K => "",
        _ => rows4_snippet(ty),
    };
    let size = size.as_deref().unwrap_or("");
    Some(compose(variant, true, &[ty.snippet(), size, binding, access, pair, dot, dot2(dot), rows4, SOURCE]))
}

/// Whether rows of `cols` values fit the uniform binding of
/// [`source_uniform_x`] on `gpu` (64 KiB on lavapipe: 16384 values).
pub fn uniform_x_fits(gpu: &Gpu, cols: usize) -> bool {
    cols % 4 == 0 && cols > 0 && (cols as u64) * 4 <= gpu.device.limits().max_uniform_buffer_binding_size
}

/// Whether lane rows run four rows (two SwiGLU pairs) per lane at a time
/// (`FOUR_ROWS` in matvec.wgsl; `q8_x`: against 8-bit activations): Q4_0
/// and Q8_0, where it was faster on lavapipe (Q8_0 only once its rows were
/// tiled, session 10; before, it was slower); Q4_K against 8-bit
/// activations, each activation pair taken once for the four rows (12-17 %
/// less CPU time per decode step of a Q4_K llama-3.2-1b, session 17; with
/// f32 activations, four rows were no faster, session 6); F16 was slower
/// end to end (BENCHMARKS.md).
fn four_rows(ty: GpuType, q8_x: bool) -> bool {
    matches!(ty, GpuType::Q4_0 | GpuType::Q8_0) || (ty == GpuType::Q4_K && q8_x)
}

/// Weight rows a workgroup of the lane-rows layout reads in step on `gpu`
/// (its lanes times the rows each lane takes at a time): the tile height of
/// the weights on CPU adapters (`gpu::tiles::tile_height`).
pub fn rows_in_step(gpu: &Gpu, ty: GpuType) -> usize {
    let q8_x = gpu.int8_activations && quantize_x::supports(ty);
    reduce_workgroup(gpu, Variant::of(gpu)) as usize * if four_rows(ty, q8_x) { 4 } else { 2 }
}

/// Whether a quantized row of `cols` values fits a uniform binding on `gpu`.
fn q8_uniform_fits(gpu: &Gpu, cols: usize) -> bool {
    quantize_x::row_bytes(cols) <= gpu.device.limits().max_uniform_buffer_binding_size
}

/// Rows above which a GPU gets several rows per workgroup.
const TALL_ROWS: u64 = 32768;

/// Whether `x` can be bound as a uniform row for `m`: it was created with
/// `BufferUsages::UNIFORM` and a row fits the adapter's uniform binding.
fn can_bind_uniform(gpu: &Gpu, m: &GpuMatrix, x: &wgpu::Buffer) -> bool {
    x.usage().contains(wgpu::BufferUsages::UNIFORM) && uniform_x_fits(gpu, m.cols) && x.size() >= m.cols as u64 * 4
}

/// How a matrix-vector product is spread over an adapter's lanes (see the
/// two modes in `shaders/matvec.wgsl`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Each lane computes whole rows (CPU adapters).
    pub lane_rows: bool,
    /// Rows per workgroup (lane rows: passes of WG rows).
    pub rpw: u32,
    /// Lanes per workgroup.
    pub wg: u32,
    /// x from a uniform binding of its first row (one-token steps only):
    /// CPU adapters, where rows fit (see `shaders/x_uniform.wgsl`). With
    /// `q8_x`, the quantized row is what is bound as a uniform.
    pub uniform_x: bool,
    /// x quantized to 8 bits per value first (`shaders/quantize_x.wgsl`),
    /// then integer dot products: the block types, on CPU adapters.
    pub q8_x: bool,
    /// With `lane_rows` and `q8_x`: the workgroup's lanes share their loads
    /// of the activations through subgroup broadcasts
    /// (`shaders/x_q8_pair_shared.wgsl`); needs subgroups and
    /// a workgroup of one subgroup of at least six lanes ([`Layout::can_share_x`]).
    pub shared_x: bool,
}

impl Layout {
    /// The layout for `gpu` and `m` (one-token steps).
    pub fn for_adapter(gpu: &Gpu, variant: Variant, m: &GpuMatrix) -> Self {
        Self::for_matrix(gpu, variant, m.ty, (m.row_words as u64 * 4, m.cols), 0)
    }

    /// The layout for `gpu` and a matrix of type `ty` with `rows` rows of
    /// `row_bytes` holding `cols` values each (one-token steps).
    pub fn for_matrix(gpu: &Gpu, variant: Variant, ty: GpuType, (row_bytes, cols): (u64, usize), rows: u64) -> Self {
        let wg = reduce_workgroup(gpu, variant);
        // 8-bit activations (`Gpu::int8_activations`, on for CPU adapters):
        // 17-45 % less time per block-type product on lavapipe, which converts
        // each weight to f32 one lane at a time but multiplies packed bytes
        // cheaply (BENCHMARKS.md, session 9).
        let q8_x = gpu.int8_activations && quantize_x::supports(ty) && cols % quantize_x::BLOCK == 0;
        if gpu.is_cpu_adapter() {
            // ~32 KiB per workgroup: enough to hide scheduling, while a
            // 0.5B model's matrices still give every core many workgroups;
            // at least 2 passes, which matvec.wgsl runs as two rows per lane
            // (4 for the types it runs four rows per lane).
            let least = if four_rows(ty, q8_x) { 4 } else { 2 };
            let rpw = (32768 / (row_bytes.max(1) * u64::from(wg))).clamp(least, 8) as u32;
            let uniform_x = if q8_x { q8_uniform_fits(gpu, cols) } else { uniform_x_fits(gpu, cols) };
            // Shared activation loads: 3-12 % less time per Q4_0/Q8_0 product
            // and 17-25 % per Q4_K one on Mesa 22.3's lavapipe, no difference
            // on Mesa 26.1's (BENCHMARKS.md, session 15).
            let shared_x = q8_x && Self::can_share_x(variant, wg);
            Layout { lane_rows: true, rpw, wg, uniform_x, q8_x, shared_x }
        } else {
            // One row per workgroup, except for very tall matrices (the output
            // projection: 150k rows), where a GPU spends longer scheduling
            // that many single-subgroup workgroups than reading the rows
            // (H100: 186 µs for 77 MB of Q4_0 at one row per workgroup).
            let rpw = if rows > TALL_ROWS { 4 } else { 1 };
            Layout { lane_rows: false, rpw, wg, uniform_x: false, q8_x, shared_x: false }
        }
    }

    /// Whether lane-rows workgroups of `wg` lanes can share their loads of
    /// 8-bit activations (`shared_x`): with subgroups a workgroup is one
    /// subgroup (`reduce_workgroup`), and a pair of blocks needs six lanes.
    pub fn can_share_x(variant: Variant, wg: u32) -> bool {
        variant.subgroups && wg >= 6
    }

    /// Output rows one workgroup covers.
    pub fn rows_per_workgroup(self) -> u32 {
        if self.lane_rows {
            self.rpw * self.wg
        } else {
            self.rpw
        }
    }
}

/// Where a product's activations come from: rows of f32 values, and
/// optionally the last row already in the 8-bit blocks of
/// `kernels::quantize_x` (written by a quantizing RMSNorm), which products
/// with 8-bit activations then read instead of quantizing x themselves.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The f32 rows.
    pub x: &'a wgpu::Buffer,
    /// The last row in 8-bit blocks, if its writer made them.
    pub xq: Option<&'a wgpu::Buffer>,
}

impl<'a> From<&'a wgpu::Buffer> for Input<'a> {
    fn from(x: &'a wgpu::Buffer) -> Self {
        Input { x, xq: None }
    }
}

/// The quantizing pass in front of a product with 8-bit activations, and
/// the buffer it fills (one per product: a few KiB).
#[derive(Debug)]
struct Quantized {
    kernel: QuantizeX,
    bg: wgpu::BindGroup,
    xq: wgpu::Buffer,
}

/// `out = W · x` for one matrix; one pipeline and bind group per row chunk.
#[derive(Debug)]
pub struct MatVec {
    parts: Vec<(wgpu::ComputePipeline, wgpu::BindGroup, u32)>,
    quantized: Option<Quantized>,
    layout: Layout,
    /// SwiGLU over interleaved (gate, up) row pairs: half as many outputs as rows.
    pairs: bool,
}

impl MatVec {
    /// Bind `m` to the step uniform, input rows `x` (stride cols) and output
    /// `out` (≥ rows values), for one-token steps, where x's first row is
    /// its last (on CPU adapters it may be bound as a uniform, which needs
    /// `BufferUsages::UNIFORM` on `x`; without it x is read from storage;
    /// with 8-bit activations the quantized row is the last of
    /// `step.tokens`).
    pub fn new<'a>(
        gpu: &Gpu,
        m: &GpuMatrix,
        step: &wgpu::Buffer,
        x: impl Into<Input<'a>>,
        out: &wgpu::Buffer,
    ) -> Result<Self> {
        Self::at(gpu, m, [step, out], x, 0)
    }

    /// [`MatVec::new`] for steps of any number of tokens: the last of
    /// `step.tokens` rows of x is used (the output projection after a prefill).
    pub fn last_row<'a>(
        gpu: &Gpu,
        m: &GpuMatrix,
        step: &wgpu::Buffer,
        x: impl Into<Input<'a>>,
        out: &wgpu::Buffer,
    ) -> Result<Self> {
        let layout = Layout::for_matrix(gpu, Variant::of(gpu), m.ty, (m.row_words as u64 * 4, m.cols), m.rows as u64);
        // f32 x can be a uniform binding only of its first row; the 8-bit
        // row is always the last.
        let layout = Layout { uniform_x: layout.uniform_x && layout.q8_x, ..layout };
        Self::build(gpu, m, [step, out], x.into(), (layout, 0), false)
    }

    /// [`MatVec::new`] writing row r to `out[base + r]`: Q, K and V of
    /// different types into one product row.
    pub fn at<'a>(
        gpu: &Gpu,
        m: &GpuMatrix,
        [step, out]: [&wgpu::Buffer; 2],
        x: impl Into<Input<'a>>,
        base: usize,
    ) -> Result<Self> {
        let x = x.into();
        let layout = Layout::for_matrix(gpu, Variant::of(gpu), m.ty, (m.row_words as u64 * 4, m.cols), m.rows as u64);
        let layout = Layout { uniform_x: layout.uniform_x && (layout.q8_x || can_bind_uniform(gpu, m, x.x)), ..layout };
        Self::build(gpu, m, [step, out], x, (layout, base), false)
    }

    /// [`MatVec::new`] (`swiglu` false) or [`MatVec::swiglu`] (true) with an
    /// explicit layout: tests cover every layout on any adapter.
    pub fn with_layout<'a>(
        gpu: &Gpu,
        m: &GpuMatrix,
        [step, out]: [&wgpu::Buffer; 2],
        x: impl Into<Input<'a>>,
        (layout, swiglu): (Layout, bool),
    ) -> Result<Self> {
        Self::build(gpu, m, [step, out], x.into(), (layout, 0), swiglu)
    }

    /// SwiGLU of a gate/up matrix from [`GpuMatrix::upload_interleaved`]:
    /// `out[i] = silu(gate_i · x) · (up_i · x)` for `m.rows / 2` outputs.
    pub fn swiglu<'a>(
        gpu: &Gpu,
        m: &GpuMatrix,
        step: &wgpu::Buffer,
        x: impl Into<Input<'a>>,
        out: &wgpu::Buffer,
    ) -> Result<Self> {
        let x = x.into();
        let layout =
            Layout::for_matrix(gpu, Variant::of(gpu), m.ty, (m.row_words as u64 * 8, m.cols), m.rows as u64 / 2);
        let layout = Layout { uniform_x: layout.uniform_x && (layout.q8_x || can_bind_uniform(gpu, m, x.x)), ..layout };
        Self::build(gpu, m, [step, out], x, (layout, 0), true)
    }

    fn build(
        gpu: &Gpu,
        m: &GpuMatrix,
        [step, out]: [&wgpu::Buffer; 2],
        Input { x, xq }: Input<'_>,
        (layout, base): (Layout, usize),
        pairs: bool,
    ) -> Result<Self> {
        if pairs {
            m.check_whole_pairs()?;
        }
        // 8-bit activations: the row the writer of x quantized, else a pass of our own.
        let given = xq.filter(|_| layout.q8_x);
        if let Some(b) = given {
            if b.size() < quantize_x::row_bytes(m.cols) {
                return Err(Error::Gpu { reason: format!("{}: the 8-bit row holds under {} values", m.name, m.cols) });
            }
        }
        let quantized = if layout.q8_x && given.is_none() { Some(Quantized::new(gpu, m, step, x)?) } else { None };
        let src = Self::source_for(gpu, m, layout, x)?;
        let x_binding = match (given.or(quantized.as_ref().map(|q| &q.xq)), layout.uniform_x) {
            (Some(q), _) => q.as_entire_binding(),
            (None, true) => wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                buffer: x,
                offset: 0,
                size: std::num::NonZeroU64::new(m.cols as u64 * 4),
            }),
            (None, false) => x.as_entire_binding(),
        };
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        let extra = [
            ("WG", f64::from(layout.wg)),
            ("RPW", f64::from(layout.rpw)),
            ("LANE_ROWS", flag(layout.lane_rows)),
            ("PAIRS", flag(pairs)),
            ("FOUR_ROWS", flag(layout.lane_rows && four_rows(m.ty, layout.q8_x))),
            ("OUT_BASE", base as f64),
        ];
        let parts = bind_chunks(gpu, m, "matvec", &src, &extra, |c| {
            let mut b = vec![step.as_entire_binding(), c.storage.binding(), x_binding.clone(), out.as_entire_binding()];
            if reads_vec4_view(m.ty, layout.lane_rows, layout.q8_x) {
                // The dot product's vec4 view of the same (read-only) weights.
                b.extend(c.storage.vec4_view());
            }
            b
        })?;
        Ok(MatVec { parts, quantized, layout, pairs })
    }

    /// The composed source for `layout`, refusing layouts `m` and `x` cannot take.
    fn source_for(gpu: &Gpu, m: &GpuMatrix, layout: Layout, x: &wgpu::Buffer) -> Result<String> {
        let variant = Variant::of(gpu);
        let refuse = |what: &str| Error::Gpu { reason: format!("{}: {what} ({} values per row)", m.name, m.cols) };
        if layout.shared_x && !(layout.lane_rows && layout.q8_x && Layout::can_share_x(variant, layout.wg)) {
            return Err(refuse("shared activation loads need lane rows, 8-bit activations and a subgroup of 6 lanes"));
        }
        if layout.q8_x {
            if layout.uniform_x && !q8_uniform_fits(gpu, m.cols) {
                return Err(refuse("8-bit activations do not fit a uniform binding"));
            }
            let uniform_cols = layout.uniform_x.then_some(m.cols);
            return source_q8_x(m.ty, variant, uniform_cols, layout.shared_x)
                .ok_or_else(|| refuse(&format!("{:?} has no product with 8-bit activations", m.ty)));
        }
        if layout.uniform_x {
            if !can_bind_uniform(gpu, m, x) {
                return Err(refuse("x cannot be bound as a uniform row"));
            }
            return Ok(source_uniform_x(m.ty, variant, layout.lane_rows, m.cols));
        }
        Ok(source(m.ty, variant, layout.lane_rows))
    }

    /// Device bytes this product allocates itself (its quantized row).
    pub fn scratch_bytes(&self) -> u64 {
        self.quantized.as_ref().map_or(0, |q| q.xq.size())
    }

    /// Record the product (after quantizing x, with 8-bit activations).
    pub fn dispatch(&self, pass: &mut wgpu::ComputePass<'_>) {
        if let Some(q) = &self.quantized {
            q.kernel.dispatch(pass, &q.bg);
        }
        for (p, bg, rows) in &self.parts {
            let outputs = if self.pairs { rows / 2 } else { *rows };
            let (x, y) = grid(outputs.div_ceil(self.layout.rows_per_workgroup()));
            pass.set_pipeline(p);
            pass.set_bind_group(0, bg, &[]);
            pass.dispatch_workgroups(x, y, 1);
        }
    }
}

impl Quantized {
    fn new(gpu: &Gpu, m: &GpuMatrix, step: &wgpu::Buffer, x: &wgpu::Buffer) -> Result<Self> {
        if !quantize_x::supports(m.ty) {
            return Err(Error::Gpu { reason: format!("{}: {:?} has no product with 8-bit activations", m.name, m.ty) });
        }
        let kernel = QuantizeX::new(gpu, m.cols)?;
        let xq = gpu.buffer(&format!("{}.xq", m.name), quantize_x::row_bytes(m.cols));
        let bg = kernel.bind(gpu, step, x, &xq);
        Ok(Quantized { kernel, bg, xq })
    }
}
