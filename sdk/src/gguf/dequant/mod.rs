//! CPU dequantization of ggml block formats to f32.
//!
//! Every supported type is decoded exactly as ggml's reference
//! `dequantize_row_*` functions do: the same f32 operations in the same
//! order, so results are bit-identical to ggml (and to gguf-py, whose numpy
//! decoders follow the same arithmetic). In practice the order barely
//! matters: the f16 scales have 11 significant bits and the quants at most 8,
//! so every intermediate product is exact in f32 and only the final
//! multiply or add rounds. All multi-byte fields are little-endian.
//!
//! - `floats`: F32, F16, BF16 (one element per "block").
//! - `legacy`: Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 (32 weights per block).
//! - `kquants`: Q4_K, Q5_K, Q6_K, Q8_K (256-weight super-blocks).
//!
//! [`dequantize`] checks the lengths once; the per-type decoders then walk
//! fixed-size blocks without further checks or allocation, since the CPU
//! forward pass calls this for every weight row.

mod floats;
mod kquants;
mod legacy;

use super::GgmlType;
use crate::error::{Error, Result};

/// Dequantize `src` (whole blocks of `dtype`) into `dst`.
///
/// `dst.len()` must be a whole number of `dtype` blocks and `src` exactly the
/// bytes those blocks take; otherwise [`Error::InvalidArgument`]. Types for
/// which [`GgmlType::can_dequantize`] is false give [`Error::UnsupportedType`].
pub fn dequantize(dtype: GgmlType, src: &[u8], dst: &mut [f32]) -> Result<()> {
    if !dtype.can_dequantize() {
        return Err(unsupported(dtype));
    }
    let need = dtype.bytes_for(dst.len() as u64);
    if need != Some(src.len() as u64) {
        return Err(Error::InvalidArgument {
            reason: format!(
                "{} bytes of {dtype} cannot hold {} values (need {})",
                src.len(),
                dst.len(),
                match need {
                    Some(n) => format!("{n} bytes"),
                    None => format!("a multiple of {} values", dtype.block_size()),
                }
            ),
        });
    }
    match dtype {
        GgmlType::F32 => floats::f32(src, dst),
        GgmlType::F16 => floats::f16(src, dst),
        GgmlType::BF16 => floats::bf16(src, dst),
        GgmlType::Q4_0 => legacy::q4_0(src, dst),
        GgmlType::Q4_1 => legacy::q4_1(src, dst),
        GgmlType::Q5_0 => legacy::q5_0(src, dst),
        GgmlType::Q5_1 => legacy::q5_1(src, dst),
        GgmlType::Q8_0 => legacy::q8_0(src, dst),
        GgmlType::Q4_K => kquants::q4_k(src, dst),
        GgmlType::Q5_K => kquants::q5_k(src, dst),
        GgmlType::Q6_K => kquants::q6_k(src, dst),
        GgmlType::Q8_K => kquants::q8_k(src, dst),
        other => return Err(unsupported(other)),
    }
    Ok(())
}

fn unsupported(dtype: GgmlType) -> Error {
    Error::UnsupportedType { dtype: dtype.name(), op: "CPU dequantization" }
}

/// Pair each `N`-byte block of `src` with its `B` output values in `dst`.
///
/// The caller has checked that the lengths match, so every chunk converts to
/// a fixed-size array (the `filter_map` never drops anything); fixed sizes let
/// the decoders index fields without bounds checks.
fn blocks<'a, const N: usize, const B: usize>(
    src: &'a [u8],
    dst: &'a mut [f32],
) -> impl Iterator<Item = (&'a [u8; N], &'a mut [f32; B])> {
    src.chunks_exact(N).zip(dst.chunks_exact_mut(B)).filter_map(|(s, d)| Some((s.try_into().ok()?, d.try_into().ok()?)))
}

/// An IEEE half-precision value stored little-endian, widened to f32 (exact).
#[inline(always)]
fn f16_le(lo: u8, hi: u8) -> f32 {
    f16_bits_to_f32(u16::from_le_bytes([lo, hi]))
}

/// Widen IEEE binary16 bits to f32, exactly (subnormals, ±0, ±inf included;
/// NaNs stay NaN with their payload).
///
/// Branch-light so loops over it vectorize (the `half` crate's portable
/// fallback does not): the 15 exponent+mantissa bits, shifted into f32
/// position, read as an f32 that is the half value times 2^-112; one exact
/// multiplication by 2^112 fixes the exponent, for subnormal halves too.
/// Infinities and NaNs (all exponent bits set) get the f32 all-ones exponent.
#[inline(always)]
fn f16_bits_to_f32(h: u16) -> f32 {
    const TWO_POW_112: f32 = f32::from_bits(0x7780_0000); // 2^112
    let h = u32::from(h);
    let sign = (h & 0x8000) << 16;
    let rest = (h & 0x7FFF) << 13;
    let finite = f32::from_bits(rest) * TWO_POW_112;
    // All-ones f16 exponent. (`rest` < 2^28, so a signed compare is exact and
    // vectorizes better on baseline x86-64.)
    let special = (rest as i32) >= (0x7C00 << 13);
    let bits = if special { rest | 0x7F80_0000 } else { finite.to_bits() };
    f32::from_bits(bits | sign)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    /// Every type id from 0 to 63 that Hearth knows.
    fn all_types() -> impl Iterator<Item = GgmlType> {
        (0..64).filter_map(GgmlType::from_id)
    }

    #[test]
    fn dispatch_agrees_with_can_dequantize() {
        for t in all_types() {
            let n = t.block_size() as usize * 2;
            let src = vec![0u8; t.type_size() as usize * 2];
            let mut dst = vec![1f32; n];
            let r = dequantize(t, &src, &mut dst);
            if t.can_dequantize() {
                assert!(r.is_ok(), "{t}: {r:?}");
                // All-zero bytes decode to zeros for every supported type.
                assert!(dst.iter().all(|&v| v == 0.0), "{t}");
            } else {
                assert!(matches!(r, Err(Error::UnsupportedType { .. })), "{t}: {r:?}");
            }
        }
    }

    #[test]
    fn wrong_lengths_are_typed_errors() {
        for t in all_types().filter(|t| t.can_dequantize()) {
            let bs = t.block_size() as usize;
            let ts = t.type_size() as usize;
            let cases = [
                (ts, bs + 1), // value count not a whole block (or one too many)
                (ts - 1, bs), // one byte short
                (ts + 1, bs), // one byte too many
                (2 * ts, bs), // two blocks of bytes for one block of values
                (0, bs),      // empty source
                (ts, 0),      // empty destination
            ];
            for (nb, nv) in cases {
                let src = vec![0u8; nb];
                let mut dst = vec![0f32; nv];
                let r = dequantize(t, &src, &mut dst);
                assert!(matches!(r, Err(Error::InvalidArgument { .. })), "{t} with {nb} bytes / {nv} values: {r:?}");
            }
        }
        // Empty in, empty out is fine.
        assert!(dequantize(GgmlType::Q4_K, &[], &mut []).is_ok());
    }

    #[test]
    fn unsupported_type_is_reported() {
        let t = GgmlType::IQ2_XXS;
        let src = vec![0u8; t.type_size() as usize];
        let mut dst = vec![0f32; t.block_size() as usize];
        match dequantize(t, &src, &mut dst) {
            Err(Error::UnsupportedType { dtype, .. }) => assert_eq!(dtype, "IQ2_XXS"),
            other => panic!("expected UnsupportedType, got {other:?}"),
        }
    }

    #[test]
    fn f16_widening_matches_half_for_every_bit_pattern() {
        for h in 0..=u16::MAX {
            let ours = f16_bits_to_f32(h);
            let theirs = half::f16::from_bits(h).to_f32();
            if theirs.is_nan() {
                assert!(ours.is_nan(), "{h:#06x}");
            } else {
                assert_eq!(ours.to_bits(), theirs.to_bits(), "{h:#06x}");
            }
        }
    }

    #[test]
    fn q4_0_hand_built_block() {
        // d = 2.0 (f16 0x4000); byte j = (hi << 4) | lo with lo = j, hi = 15 - j.
        let mut b = vec![0x00, 0x40];
        b.extend((0..16u8).map(|j| ((15 - j) << 4) | j));
        let mut y = [0f32; 32];
        dequantize(GgmlType::Q4_0, &b, &mut y).unwrap();
        for j in 0..16 {
            assert_eq!(y[j], (j as f32 - 8.0) * 2.0);
            assert_eq!(y[j + 16], (7.0 - j as f32) * 2.0);
        }
    }

    #[test]
    fn q8_k_hand_built_block() {
        // d = 0.5 as f32, qs[i] = i - 128 as i8, bsums ignored.
        let mut b = 0.5f32.to_le_bytes().to_vec();
        b.extend((0..256i32).map(|i| (i - 128) as i8 as u8));
        b.extend([0xAAu8; 32]);
        let mut y = [0f32; 256];
        dequantize(GgmlType::Q8_K, &b, &mut y).unwrap();
        for (i, v) in y.iter().enumerate() {
            assert_eq!(*v, (i as f32 - 128.0) * 0.5);
        }
    }
}
