//! Adapters and the device: enumeration, selection, features and limits.
//!
//! Backends come from wgpu's own `WGPU_BACKEND` variable; the adapter from
//! `--adapter NAME|INDEX` or `HEARTH_ADAPTER`. The device is created with the
//! adapter's own limits (wgpu's defaults cap storage bindings far below what
//! real GPUs and lavapipe offer) and with SHADER_F16 / SUBGROUP when offered.

use super::health::{self, Health};
use crate::error::{Error, Result};
use serde::Serialize;
use std::sync::Arc;

/// What `hearth devices` prints for one adapter.
#[derive(Debug, Clone, Serialize)]
pub struct AdapterSummary {
    /// Position in the enumeration (what `--adapter INDEX` selects).
    pub index: usize,
    /// Adapter name, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)".
    pub name: String,
    /// Vulkan, Metal, Dx12, Gl …
    pub backend: String,
    /// DiscreteGpu, IntegratedGpu, Cpu …
    pub device_type: String,
    /// Driver name and version.
    pub driver: String,
    /// `shader-f16` (half-precision arithmetic in shaders).
    pub shader_f16: bool,
    /// Subgroup operations (`subgroupAdd` …).
    pub subgroups: bool,
    /// Smallest and largest subgroup size the adapter reports.
    pub subgroup_size: (u32, u32),
    /// Largest storage buffer binding in bytes.
    pub max_storage_binding: u64,
    /// Largest uniform buffer binding in bytes.
    pub max_uniform_binding: u64,
    /// Largest buffer in bytes.
    pub max_buffer_size: u64,
    /// Workgroup shared memory in bytes.
    pub max_workgroup_storage: u32,
    /// Storage buffers per shader stage.
    pub max_storage_buffers_per_stage: u32,
}

fn instance(backends: Option<wgpu::Backends>) -> wgpu::Instance {
    let mut desc = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
    if let Some(b) = backends {
        desc.backends = b;
    }
    wgpu::Instance::new(desc)
}

fn summarize(index: usize, a: &wgpu::Adapter) -> AdapterSummary {
    let info = a.get_info();
    let f = a.features();
    let l = a.limits();
    AdapterSummary {
        index,
        subgroup_size: (info.subgroup_min_size, info.subgroup_max_size),
        name: info.name,
        backend: format!("{:?}", info.backend),
        device_type: format!("{:?}", info.device_type),
        driver: format!("{} {}", info.driver, info.driver_info).trim().to_string(),
        shader_f16: f.contains(wgpu::Features::SHADER_F16),
        subgroups: f.contains(wgpu::Features::SUBGROUP),
        max_storage_binding: l.max_storage_buffer_binding_size,
        max_uniform_binding: l.max_uniform_buffer_binding_size,
        max_buffer_size: l.max_buffer_size,
        max_workgroup_storage: l.max_compute_workgroup_storage_size,
        max_storage_buffers_per_stage: l.max_storage_buffers_per_shader_stage,
    }
}

/// Every adapter wgpu can see with the backends allowed by `WGPU_BACKEND`.
pub fn list_adapters() -> Vec<AdapterSummary> {
    let adapters = pollster::block_on(instance(None).enumerate_adapters(wgpu::Backends::all()));
    adapters.iter().enumerate().map(|(i, a)| summarize(i, a)).collect()
}

/// Options for opening the device.
#[derive(Debug, Clone, Default)]
pub struct DeviceOptions {
    /// Adapter by index or (case-insensitive substring of its) name; falls
    /// back to `HEARTH_ADAPTER`, then to wgpu's high-performance choice.
    pub adapter: Option<String>,
    /// Use plain shaders even where the adapter offers f16 / subgroups.
    pub disable_f16: bool,
    /// Use barrier reductions even where subgroups exist.
    pub disable_subgroups: bool,
    /// Cap the storage binding size below the adapter's (tests the split path).
    pub max_binding_override: Option<u64>,
    /// Backends to consider instead of those `WGPU_BACKEND` allows (tests use
    /// this to reach the GL backend without touching the process environment).
    pub backends: Option<wgpu::Backends>,
    /// Experimental: run prefill products on cooperative matrices (tensor
    /// cores) where the adapter offers f16 tiles with f32 accumulators. wgpu
    /// marks the feature experimental (it may have bugs up to undefined
    /// behaviour), so it is off unless asked for; `HEARTH_COOPERATIVE_MATRIX=1`
    /// asks too.
    pub cooperative_matrix: bool,
    /// Quantize activations to 8 bits before decode's Q4_0, Q8_0, Q4_K and
    /// Q6_K matrix-vector products and multiply integers
    /// (`kernels::quantize_x`), as llama.cpp does: faster decode, logits
    /// within a few percent (rms) of the f32 path, like llama.cpp's. Prefill's
    /// products of the same types do the same on CPU adapters with subgroups
    /// (`kernels::matmul_q8`).
    /// None: `HEARTH_INT8_ACTIVATIONS` (`0` or `1`) if set, else on for CPU
    /// adapters (measured faster there) and off for GPUs (not yet measured).
    pub int8_activations: Option<bool>,
    /// Lay the block types' weights (Q4_0, Q8_0, Q4_K, Q6_K) out in tiles of
    /// the rows a lane-rows product reads in step
    /// (`shaders/weight_rows.wgsl`), so that its loads of one step are
    /// adjacent. None: `HEARTH_WEIGHT_TILES` (`0` or `1`) if
    /// set, else on for CPU adapters (measured faster there) and off for GPUs,
    /// whose lanes share a row and want its blocks adjacent.
    pub weight_tiles: Option<bool>,
    /// Keep the block types' weights in textures instead of storage buffers
    /// (`gpu::storage`): lavapipe up to Mesa 24 fetches texels with vector
    /// code but loads a buffer lane by lane. None: `HEARTH_WEIGHT_TEXTURES` (`0` or
    /// `1`) if set, else `gpu::storage::textures_by_default` (on for
    /// llvmpipe up to Mesa 24, where measured faster; off elsewhere).
    pub weight_textures: Option<bool>,
}

/// An open device with what the engine needs to know about it.
#[derive(Debug)]
pub struct Gpu {
    /// The device.
    pub device: wgpu::Device,
    /// Its queue.
    pub queue: wgpu::Queue,
    /// What was chosen.
    pub summary: AdapterSummary,
    /// Shaders may use `f16`.
    pub f16: bool,
    /// Shaders may use subgroup builtins.
    pub subgroups: bool,
    /// Bytes one storage binding may cover (after any override).
    pub max_binding: u64,
    /// Side of the square cooperative-matrix tiles prefill runs on (8 or 16),
    /// when the device was opened with them.
    pub coop_tile: Option<u32>,
    /// Decode's block-type products read 8-bit activations, and so do
    /// prefill's Q4_0, Q8_0, Q4_K and Q6_K products where `kernels::matmul_q8` runs
    /// (`DeviceOptions::int8_activations`).
    pub int8_activations: bool,
    /// Block-type weights are uploaded in row tiles (`DeviceOptions::weight_tiles`).
    pub weight_tiles: bool,
    /// Block-type weights are uploaded to textures (`DeviceOptions::weight_textures`).
    pub weight_textures: bool,
    /// Pipelines already built, by source and constants (see `kernels::pipeline`).
    pub(crate) pipelines: std::sync::Mutex<std::collections::HashMap<String, wgpu::ComputePipeline>>,
    /// Uncaptured errors and device loss, reported by wgpu's callbacks.
    pub(crate) health: Arc<Health>,
}

impl Gpu {
    /// Pick an adapter and open its device.
    pub fn open(opts: &DeviceOptions) -> Result<Self> {
        let inst = instance(opts.backends);
        let adapters = pollster::block_on(inst.enumerate_adapters(wgpu::Backends::all()));
        let wanted = opts.adapter.clone().or_else(|| std::env::var("HEARTH_ADAPTER").ok()).filter(|s| !s.is_empty());
        let (index, adapter) = match wanted {
            Some(w) => pick(&adapters, &w)?,
            None => {
                let a = pollster::block_on(inst.request_adapter(&wgpu::RequestAdapterOptions {
                    power_preference: wgpu::PowerPreference::HighPerformance,
                    force_fallback_adapter: false,
                    compatible_surface: None,
                    apply_limit_buckets: false,
                }))
                .map_err(|e| Error::Gpu { reason: format!("no GPU adapter found: {e}") })?;
                let info = a.get_info();
                let index = adapters.iter().position(|b| b.get_info() == info).unwrap_or(0);
                (index, a)
            }
        };
        let summary = summarize(index, &adapter);
        // Every F16/quantized kernel unpacks f16 scales with unpack2x16float.
        if !adapter.get_downlevel_capabilities().flags.contains(wgpu::DownlevelFlags::SHADER_F16_IN_F32) {
            return Err(Error::Gpu { reason: format!("{} cannot unpack f16 values in shaders", summary.name) });
        }
        let mut features = wgpu::Features::empty();
        let f16 = summary.shader_f16 && !opts.disable_f16;
        let subgroups = summary.subgroups && !opts.disable_subgroups;
        if f16 {
            features |= wgpu::Features::SHADER_F16;
        }
        if subgroups {
            features |= wgpu::Features::SUBGROUP;
        }
        // Only `hearth bench --profile` uses timestamps; asking costs nothing.
        features |= adapter.features() & wgpu::Features::TIMESTAMP_QUERY;
        let wants_coop = opts.cooperative_matrix || std::env::var("HEARTH_COOPERATIVE_MATRIX").is_ok_and(|v| v == "1");
        let coop_tile = if wants_coop && f16 && subgroups { coop_tile(&adapter) } else { None };
        let mut experimental = wgpu::ExperimentalFeatures::disabled();
        if coop_tile.is_some() {
            features |= wgpu::Features::EXPERIMENTAL_COOPERATIVE_MATRIX;
            experimental = experimental_features();
        }
        let desc = wgpu::DeviceDescriptor {
            label: Some("hearth"),
            required_features: features,
            required_limits: adapter.limits(),
            experimental_features: experimental,
            memory_hints: wgpu::MemoryHints::Performance,
            trace: wgpu::Trace::Off,
        };
        let (device, queue) = pollster::block_on(adapter.request_device(&desc))
            .map_err(|e| Error::Gpu { reason: format!("cannot open {}: {e}", summary.name) })?;
        // Before anything else runs on the device: wgpu's default handler
        // would panic on the first uncaptured error.
        let health = Health::install(&device);
        let mut max_binding = summary.max_storage_binding.min(summary.max_buffer_size);
        if let Some(cap) = opts.max_binding_override {
            max_binding = max_binding.min(cap);
        }
        let cpu = summary.device_type == format!("{:?}", wgpu::DeviceType::Cpu);
        let flag =
            |opt: Option<bool>, var: &str| opt.or_else(|| std::env::var(var).ok().map(|v| v == "1")).unwrap_or(cpu);
        let int8_activations = flag(opts.int8_activations, "HEARTH_INT8_ACTIVATIONS");
        let weight_tiles = flag(opts.weight_tiles, "HEARTH_WEIGHT_TILES");
        let weight_textures = opts
            .weight_textures
            .or_else(|| std::env::var("HEARTH_WEIGHT_TEXTURES").ok().map(|v| v == "1"))
            .unwrap_or_else(|| super::storage::textures_by_default(cpu, &summary.driver));
        Ok(Gpu {
            device,
            queue,
            summary,
            int8_activations,
            weight_tiles,
            weight_textures,
            f16,
            subgroups,
            max_binding,
            coop_tile,
            pipelines: Default::default(),
            health,
        })
    }
}

impl Gpu {
    /// Why the device was lost (destroyed, driver reset, removed), if it was.
    /// A lost device never comes back: load the model again, which opens a
    /// new device.
    pub fn device_lost(&self) -> Option<String> {
        self.health.lost()
    }

    /// `Err(DeviceLost)` once the device is gone, or the first GPU error
    /// that no error scope captured since the last check.
    pub fn check(&self) -> Result<()> {
        self.health.check(&self.device)
    }

    /// Submit one command buffer inside error scopes: a validation or
    /// out-of-memory error, or a lost device, comes back as a typed error.
    pub fn submit(&self, what: &str, commands: wgpu::CommandBuffer) -> Result<()> {
        health::scoped(&self.device, &self.health, what, 0, || {
            self.queue.submit([commands]);
        })
    }

    /// Run `f` (creating buffers, pipelines …) inside error scopes, as
    /// [`submit`](Self::submit) does; `bytes` is reported on out-of-memory.
    pub fn scoped<T>(&self, what: &str, bytes: u64, f: impl FnOnce() -> T) -> Result<T> {
        health::scoped(&self.device, &self.health, what, bytes, f)
    }
}

/// The largest square tile the adapter multiplies as f16 × f16 + f32 (the
/// shapes `matmul_coop.wgsl` has), if it has the cooperative-matrix feature.
fn coop_tile(adapter: &wgpu::Adapter) -> Option<u32> {
    if !adapter.features().contains(wgpu::Features::EXPERIMENTAL_COOPERATIVE_MATRIX) {
        return None;
    }
    use wgpu::CooperativeScalarType as T;
    adapter
        .cooperative_matrix_properties()
        .iter()
        .filter(|p| p.m_size == p.n_size && p.n_size == p.k_size && matches!(p.m_size, 8 | 16))
        .filter(|p| p.ab_type == T::F16 && p.cr_type == T::F32)
        .map(|p| p.m_size)
        .max()
}

/// Permission to use wgpu's experimental features, asked for only with
/// `DeviceOptions::cooperative_matrix`.
#[allow(unsafe_code)]
fn experimental_features() -> wgpu::ExperimentalFeatures {
    // SAFETY: wgpu's contract is that experimental features may still have
    // implementation bugs. The one Hearth enables (cooperative matrices) is
    // opt-in, and its kernel is checked against the CPU reference by the
    // tests wherever an adapter offers it (`gpu_coop.rs`).
    unsafe { wgpu::ExperimentalFeatures::enabled() }
}

fn pick(adapters: &[wgpu::Adapter], wanted: &str) -> Result<(usize, wgpu::Adapter)> {
    let found = match wanted.parse::<usize>() {
        Ok(i) => adapters.get(i).map(|a| (i, a.clone())),
        Err(_) => {
            let w = wanted.to_lowercase();
            adapters
                .iter()
                .enumerate()
                .find(|(_, a)| a.get_info().name.to_lowercase().contains(&w))
                .map(|(i, a)| (i, a.clone()))
        }
    };
    found.ok_or_else(|| {
        let names: Vec<String> =
            adapters.iter().enumerate().map(|(i, a)| format!("{i}: {}", a.get_info().name)).collect();
        Error::Gpu { reason: format!("no adapter matches {wanted:?} (have: {})", names.join(", ")) }
    })
}
