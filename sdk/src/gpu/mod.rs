//! The wgpu device and buffer helpers shared by the kernels and the engine.

pub mod budget;
mod device;
mod forward;
mod health;
pub mod model;
mod profile;
mod record;
pub mod state;
pub mod storage;
pub mod tiles;
pub mod weights;

pub use budget::MemoryPlan;
pub use device::{list_adapters, AdapterSummary, DeviceOptions, Gpu};
pub use model::GpuModel;
pub use profile::KernelTime;
pub use state::GpuState;

use crate::error::{Error, Result};

/// Usage of buffers the kernels read and write.
pub const STORAGE: wgpu::BufferUsages =
    wgpu::BufferUsages::STORAGE.union(wgpu::BufferUsages::COPY_DST).union(wgpu::BufferUsages::COPY_SRC);

/// Usage of activation and scratch buffers: storage, and a uniform binding of
/// one row for the matrix-vector products of CPU adapters
/// (`shaders/x_uniform.wgsl`).
pub const ACTIVATIONS: wgpu::BufferUsages = STORAGE.union(wgpu::BufferUsages::UNIFORM);

impl Gpu {
    /// Whether the adapter is a CPU driver (lavapipe, SwiftShader, WARP):
    /// kernels pick their workgroup shapes for it, because such a driver runs
    /// a workgroup's lanes as one SIMD loop on one thread.
    pub fn is_cpu_adapter(&self) -> bool {
        self.summary.device_type == format!("{:?}", wgpu::DeviceType::Cpu)
    }

    /// A storage buffer initialised with `data`.
    pub fn buffer_init(&self, label: &str, data: &[u8]) -> wgpu::Buffer {
        self.buffer_with(label, data, ACTIVATIONS)
    }

    /// A zeroed storage buffer of `bytes` (rounded up to 4).
    pub fn buffer(&self, label: &str, bytes: u64) -> wgpu::Buffer {
        self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: bytes.max(4).div_ceil(4) * 4,
            usage: ACTIVATIONS,
            mapped_at_creation: false,
        })
    }

    /// A uniform buffer holding `params`.
    pub fn uniform<T: bytemuck::Pod>(&self, label: &str, params: &T) -> wgpu::Buffer {
        self.buffer_with(label, bytemuck::bytes_of(params), wgpu::BufferUsages::UNIFORM)
    }

    /// A buffer holding `data`, written through the queue. Not
    /// `create_buffer_init`: that panics when the device has been lost,
    /// where a queued write only reports an error (see `health`).
    pub fn buffer_with(&self, label: &str, data: &[u8], usage: wgpu::BufferUsages) -> wgpu::Buffer {
        // Zero-sized bindings are invalid and writes go in whole words.
        let size = (data.len() as u64).max(4).div_ceil(4) * 4;
        let buffer = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size,
            usage: usage | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        if data.len() as u64 == size {
            self.queue.write_buffer(&buffer, 0, data);
        } else {
            let mut padded = data.to_vec();
            padded.resize(size as usize, 0);
            self.queue.write_buffer(&buffer, 0, &padded);
        }
        buffer
    }

    /// Copy `bytes` from the start of `src` back to the host (blocking).
    pub fn read_bytes(&self, src: &wgpu::Buffer, bytes: u64) -> Result<Vec<u8>> {
        if bytes == 0 {
            return Ok(Vec::new());
        }
        let size = bytes.div_ceil(4) * 4;
        let staging = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback"),
            size,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut enc = self.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("readback") });
        enc.copy_buffer_to_buffer(src, 0, &staging, 0, size);
        self.submit("readback", enc.finish())?;
        let mut out = map_read(self, &staging, size)?;
        out.truncate(bytes as usize);
        Ok(out)
    }

    /// Read `n` f32 values from the start of `src`.
    pub fn read_f32(&self, src: &wgpu::Buffer, n: usize) -> Result<Vec<f32>> {
        let bytes = self.read_bytes(src, (n * 4) as u64)?;
        Ok(bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
    }
}

/// Map the first `bytes` of a MAP_READ buffer, copy them out, unmap (blocking).
pub(crate) fn map_read(gpu: &Gpu, buf: &wgpu::Buffer, bytes: u64) -> Result<Vec<u8>> {
    gpu.check()?;
    // A lost device makes mapping fail; report the loss, not the symptom.
    let err = |e: String| gpu.health.explain(&gpu.device, Error::Gpu { reason: format!("readback: {e}") });
    let slice = buf.slice(..bytes);
    let (tx, rx) = std::sync::mpsc::channel();
    slice.map_async(wgpu::MapMode::Read, move |r| {
        let _ = tx.send(r);
    });
    gpu.device.poll(wgpu::PollType::wait_indefinitely()).map_err(|e| err(e.to_string()))?;
    rx.recv().map_err(|e| err(e.to_string()))?.map_err(|e| err(e.to_string()))?;
    let out = slice.get_mapped_range().map_err(|e| err(e.to_string()))?.to_vec();
    buf.unmap();
    Ok(out)
}
