//! CPU dequantization of ggml block formats to f32.

use super::GgmlType;
use crate::error::{Error, Result};

/// Dequantize `src` (whole blocks of `dtype`) into `dst`.
pub fn dequantize(dtype: GgmlType, src: &[u8], dst: &mut [f32]) -> Result<()> {
    let need = dtype.bytes_for(dst.len() as u64);
    if need != Some(src.len() as u64) {
        return Err(Error::InvalidArgument {
            reason: format!("{} bytes of {dtype} cannot hold {} values", src.len(), dst.len()),
        });
    }
    match dtype {
        GgmlType::F32 => {
            for (d, s) in dst.iter_mut().zip(src.chunks_exact(4)) {
                *d = f32::from_le_bytes([s[0], s[1], s[2], s[3]]);
            }
        }
        GgmlType::F16 => {
            for (d, s) in dst.iter_mut().zip(src.chunks_exact(2)) {
                *d = half::f16::from_le_bytes([s[0], s[1]]).to_f32();
            }
        }
        other => return Err(Error::UnsupportedType { dtype: other.name(), op: "CPU dequantization" }),
    }
    Ok(())
}
