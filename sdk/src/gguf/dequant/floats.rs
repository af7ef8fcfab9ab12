//! Plain float types: every element is its own block.
//!
//! - F32: 4 bytes, IEEE binary32.
//! - F16: 2 bytes, IEEE binary16; widening to f32 is exact (subnormals,
//!   infinities and NaNs included).
//! - BF16: 2 bytes, the upper half of a binary32; widening is a 16-bit shift.

use super::f16_le;

/// F32 → f32: a little-endian copy.
pub(super) fn f32(src: &[u8], dst: &mut [f32]) {
    for (y, b) in dst.iter_mut().zip(src.chunks_exact(4)) {
        *y = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    }
}

/// F16 → f32.
pub(super) fn f16(src: &[u8], dst: &mut [f32]) {
    for (y, b) in dst.iter_mut().zip(src.chunks_exact(2)) {
        *y = f16_le(b[0], b[1]);
    }
}

/// BF16 → f32: the 16 stored bits become the high half of the f32.
pub(super) fn bf16(src: &[u8], dst: &mut [f32]) {
    for (y, b) in dst.iter_mut().zip(src.chunks_exact(2)) {
        *y = f32::from_bits(u32::from(u16::from_le_bytes([b[0], b[1]])) << 16);
    }
}
