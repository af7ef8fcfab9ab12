//! Where a weight matrix's row chunks live: storage buffers, or, for the
//! block types (Q4_0, Q8_0, Q4_K, Q6_K) on llvmpipe up to Mesa 24
//! ([`textures_by_default`]), Rgba32Uint textures of up to 4096 texels per
//! texture row (`shaders/weights_texture.wgsl`).
//!
//! lavapipe loads from a storage buffer one lane and one component at a
//! time, each behind a bounds-check branch, but fetches texels with vector
//! code: a 128 MiB stream read 1.4× as fast from a texture as from a buffer
//! on Mesa 22.3 and 1.6× on Mesa 26 (BENCHMARKS.md, session 11). Kernels
//! reach weights only through `w_word` / `w_vec4`, so a texture matrix
//! swaps one snippet of their source ([`texture_source`]).

use super::weights::GpuType;
use super::Gpu;
use crate::error::{Error, Result};

/// Texels per row of a weight texture, at most: a chunk of fewer is one row
/// as wide as it needs (a multiple of 16 texels, the 256-byte row pitch of
/// buffer-to-texture copies), so tiny matrices are not padded to 64 KiB.
/// `shaders/weights_texture.wgsl` gets the width as `TEXTURE_WIDTH`.
pub const TEXTURE_WIDTH: u32 = 4096;

/// Width and rows of the texture holding `bytes` of words.
pub fn texture_shape(bytes: u64) -> (u32, u32) {
    let texels = bytes.div_ceil(16).max(1);
    let width = texels.next_multiple_of(16).min(u64::from(TEXTURE_WIDTH));
    (width as u32, u32::try_from(texels.div_ceil(width)).unwrap_or(u32::MAX))
}

/// The weight binding of every block-type kernel when its matrix is in a
/// storage buffer.
pub const STORAGE_SNIPPET: &str = include_str!("../../../shaders/weights_storage.wgsl");

/// The same accessors over a texture.
const TEXTURE_SNIPPET: &str = include_str!("../../../shaders/weights_texture.wgsl");

/// Whether an adapter keeps weights in textures unless told: CPU adapters
/// whose driver is Mesa's llvmpipe up to 24.x. Measured on 22.3, 23.2 and
/// 24.0 (Debian 12, Ubuntu 22.04 and 24.04 as released), decode took 5-19 %
/// less CPU time per token and prefill 15-45 % more tokens/s; on 25.0, 25.2
/// and 26.1, whose buffer loads are faster, the same setting made decode
/// up to 1.5x slower (BENCHMARKS.md, sessions 11 and 12). Other drivers
/// (GPUs, later or unparsed Mesa versions, SwiftShader, WARP) keep buffers
/// until measured.
pub fn textures_by_default(cpu_adapter: bool, driver: &str) -> bool {
    let mesa_major = driver
        .split_whitespace()
        .skip_while(|w| *w != "Mesa")
        .nth(1)
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse::<u32>().ok());
    cpu_adapter && driver.contains("llvmpipe") && mesa_major.is_some_and(|m| m <= 24)
}

/// Whether `gpu` keeps `ty`'s weights in textures (`Gpu::weight_textures`;
/// F32 and F16 rows always stay in buffers).
pub fn in_textures(gpu: &Gpu, ty: GpuType) -> bool {
    gpu.weight_textures && !matches!(ty, GpuType::F32 | GpuType::F16)
}

/// Most bytes one chunk of `ty` may hold on `gpu`: a storage binding, and in
/// a texture also no more texture rows than the adapter's largest 2-D
/// texture has.
pub fn chunk_limit(gpu: &Gpu, ty: GpuType) -> u64 {
    if in_textures(gpu, ty) {
        let rows = u64::from(gpu.device.limits().max_texture_dimension_2d);
        gpu.max_binding.min(u64::from(TEXTURE_WIDTH) * 16 * rows)
    } else {
        gpu.max_binding
    }
}

/// Device bytes of a chunk holding `bytes` of rows: a texture is whole
/// texture rows of [`texture_shape`] (the last one zero-padded); a buffer at
/// least one word.
pub fn chunk_bytes(bytes: u64, texture: bool) -> u64 {
    if texture {
        let (width, rows) = texture_shape(bytes);
        texel_bytes(width, rows)
    } else {
        bytes.max(4)
    }
}

/// Bytes of an Rgba32Uint texture of `rows` rows of `width` texels.
fn texel_bytes(width: u32, rows: u32) -> u64 {
    u64::from(width) * u64::from(rows) * 16
}

/// A block-type kernel's composed `source` reading its weights from a
/// texture instead of a storage buffer.
pub fn texture_source(source: &str) -> Result<String> {
    if !source.contains(STORAGE_SNIPPET) {
        return Err(Error::Gpu { reason: "kernel does not read weights through the storage accessors".into() });
    }
    Ok(source.replacen(STORAGE_SNIPPET, TEXTURE_SNIPPET, 1))
}

/// An Rgba32Uint texture of `rows` rows of `width` texels (four words each)
/// that kernels read and copies fill.
pub fn word_texture(gpu: &Gpu, label: &str, width: u32, rows: u32) -> wgpu::Texture {
    gpu.device.create_texture(&wgpu::TextureDescriptor {
        label: Some(label),
        size: wgpu::Extent3d { width, height: rows, depth_or_array_layers: 1 },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: wgpu::TextureFormat::Rgba32Uint,
        usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    })
}

/// One chunk's weights on the device.
#[derive(Debug)]
pub enum Storage {
    /// A storage buffer (bound twice where a kernel also reads vec4s).
    Buffer(wgpu::Buffer),
    /// An Rgba32Uint texture of [`texture_shape`].
    Texture {
        /// The texture.
        texture: wgpu::Texture,
        /// Its one view, bound at binding 1.
        view: wgpu::TextureView,
    },
}

impl Storage {
    /// Device bytes held.
    pub fn bytes(&self) -> u64 {
        match self {
            Storage::Buffer(b) => b.size(),
            Storage::Texture { texture, .. } => texel_bytes(texture.width(), texture.height()),
        }
    }

    /// Texels per row of a texture (`TEXTURE_WIDTH` in weights_texture.wgsl).
    pub fn texture_width(&self) -> Option<u32> {
        match self {
            Storage::Buffer(_) => None,
            Storage::Texture { texture, .. } => Some(texture.width()),
        }
    }

    /// Whether the weights are in a texture.
    pub fn is_texture(&self) -> bool {
        matches!(self, Storage::Texture { .. })
    }

    /// The weights' binding (binding 1 of every weight kernel).
    pub fn binding(&self) -> wgpu::BindingResource<'_> {
        match self {
            Storage::Buffer(b) => b.as_entire_binding(),
            Storage::Texture { view, .. } => wgpu::BindingResource::TextureView(view),
        }
    }

    /// The second, vec4 view of a buffer (binding 4); a texture has none
    /// (texels are vec4s already).
    pub fn vec4_view(&self) -> Option<wgpu::BindingResource<'_>> {
        match self {
            Storage::Buffer(b) => Some(b.as_entire_binding()),
            Storage::Texture { .. } => None,
        }
    }

    /// Copy a filled, unmapped staging buffer of [`chunk_bytes`] into a
    /// new texture and wait for the copy, so the staging memory is freed
    /// before the next chunk is made.
    pub(crate) fn texture_from(gpu: &Gpu, name: &str, staging: wgpu::Buffer) -> Result<Self> {
        let (width, height) = texture_shape(staging.size());
        if texel_bytes(width, height) != staging.size() {
            return Err(Error::Gpu { reason: format!("{name}: staging is not whole texture rows") });
        }
        let size = wgpu::Extent3d { width, height, depth_or_array_layers: 1 };
        let texture = gpu.scoped(name, staging.size(), || word_texture(gpu, name, width, height))?;
        let mut enc = gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(name) });
        enc.copy_buffer_to_texture(
            wgpu::TexelCopyBufferInfo {
                buffer: &staging,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(width * 16),
                    rows_per_image: Some(height),
                },
            },
            texture.as_image_copy(),
            size,
        );
        gpu.submit(name, enc.finish())?;
        drop(staging);
        gpu.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| Error::Gpu { reason: format!("uploading {name}: {e}") })?;
        let view = texture.create_view(&wgpu::TextureViewDescriptor::default());
        Ok(Storage::Texture { texture, view })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textures_are_whole_texture_rows() {
        // Under a full row: one row of a multiple of 16 texels.
        assert_eq!(texture_shape(1), (16, 1));
        assert_eq!(chunk_bytes(1, true), 256);
        assert_eq!(texture_shape(257 * 16), (272, 1));
        // Then rows of 4096 texels, the last one padded.
        assert_eq!(chunk_bytes(65536, true), 65536);
        assert_eq!(texture_shape(65537), (4096, 2));
        assert_eq!(chunk_bytes(65537, true), 131072);
        assert_eq!(chunk_bytes(0, false), 4);
        assert_eq!(chunk_bytes(100, false), 100);
    }

    #[test]
    fn textures_are_the_default_on_the_llvmpipe_measured_faster() {
        assert!(textures_by_default(true, "llvmpipe Mesa 22.3.6 (LLVM 15.0.6)"));
        assert!(textures_by_default(true, "llvmpipe Mesa 24.0.5-1ubuntu1 (LLVM 17.0.6)"));
        assert!(!textures_by_default(true, "llvmpipe Mesa 25.2.8-0ubuntu0.24.04.5 (LLVM 20.1.2)"));
        assert!(!textures_by_default(true, "llvmpipe Mesa 26.1.6-1~bpo13+1 (LLVM 19.1.7)"));
        assert!(!textures_by_default(false, "llvmpipe Mesa 22.3.6 (LLVM 15.0.6)"));
        assert!(!textures_by_default(true, "SwiftShader driver"));
        assert!(!textures_by_default(true, "llvmpipe"));
        assert!(!textures_by_default(false, "NVIDIA 580.95.05"));
    }

    #[test]
    fn the_texture_snippet_replaces_the_storage_one() {
        let src = format!("a\n{STORAGE_SNIPPET}\nb");
        let t = texture_source(&src).unwrap();
        assert!(t.contains("texture_2d<u32>") && !t.contains("var<storage"));
        assert!(texture_source("no weights").is_err());
    }
}
