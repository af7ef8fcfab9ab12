//! The original ggml block formats: 32 weights per block, one f16 scale `d`
//! (plus an f16 offset `m` for the `_1` variants).
//!
//! In every 4- and 5-bit format the 16 `qs` bytes pack two weights each:
//! byte `j` holds weight `j` in its low nibble and weight `j + 16` in its high
//! nibble. The 5-bit formats add `qh`, a little-endian u32 whose bit `i` is the
//! fifth (value 16) bit of weight `i`.
//!
//! | type | bytes | layout                       | value         |
//! |------|-------|------------------------------|---------------|
//! | Q4_0 | 18    | d, qs[16]                    | (q - 8) * d   |
//! | Q4_1 | 20    | d, m, qs[16]                 | q * d + m     |
//! | Q5_0 | 22    | d, qh[4], qs[16]             | (q - 16) * d  |
//! | Q5_1 | 24    | d, m, qh[4], qs[16]          | q * d + m     |
//! | Q8_0 | 34    | d, qs[32] (i8)               | q * d         |

use super::{blocks, f16_le};

/// Weights per block.
const QK: usize = 32;
/// Weights per half block (one nibble position).
const HALF: usize = QK / 2;

/// Split a block's outputs into weights `0..16` and `16..32`.
#[inline(always)]
fn halves(y: &mut [f32; QK]) -> (&mut [f32], &mut [f32]) {
    y.split_at_mut(HALF)
}

/// Q4_0: 18 bytes = f16 d, 16 bytes of nibbles; value = (q - 8) * d.
pub(super) fn q4_0(src: &[u8], dst: &mut [f32]) {
    for (b, y) in blocks::<18, QK>(src, dst) {
        let d = f16_le(b[0], b[1]);
        let (lo, hi) = halves(y);
        for ((y0, y1), &q) in lo.iter_mut().zip(hi).zip(&b[2..18]) {
            *y0 = (i32::from(q & 0x0F) - 8) as f32 * d;
            *y1 = (i32::from(q >> 4) - 8) as f32 * d;
        }
    }
}

/// Q4_1: 20 bytes = f16 d, f16 m, 16 bytes of nibbles; value = q * d + m.
pub(super) fn q4_1(src: &[u8], dst: &mut [f32]) {
    for (b, y) in blocks::<20, QK>(src, dst) {
        let d = f16_le(b[0], b[1]);
        let m = f16_le(b[2], b[3]);
        let (lo, hi) = halves(y);
        for ((y0, y1), &q) in lo.iter_mut().zip(hi).zip(&b[4..20]) {
            *y0 = f32::from(q & 0x0F) * d + m;
            *y1 = f32::from(q >> 4) * d + m;
        }
    }
}

/// The 5-bit weights of a Q5 block as (low half, high half) pairs: weight `j`
/// and weight `j + 16`, each 0..=31.
#[inline(always)]
fn q5_pairs(qh: [u8; 4], qs: &[u8]) -> impl Iterator<Item = (u8, u8)> + '_ {
    let qh = u32::from_le_bytes(qh);
    qs.iter().enumerate().map(move |(j, &q)| {
        let h0 = ((qh >> j) & 1) as u8;
        let h1 = ((qh >> (j + HALF)) & 1) as u8;
        ((q & 0x0F) | (h0 << 4), (q >> 4) | (h1 << 4))
    })
}

/// Q5_0: 22 bytes = f16 d, u32 qh, 16 bytes of nibbles; value = (q - 16) * d.
pub(super) fn q5_0(src: &[u8], dst: &mut [f32]) {
    for (b, y) in blocks::<22, QK>(src, dst) {
        let d = f16_le(b[0], b[1]);
        let (lo, hi) = halves(y);
        let qs = q5_pairs([b[2], b[3], b[4], b[5]], &b[6..22]);
        for ((y0, y1), (q0, q1)) in lo.iter_mut().zip(hi).zip(qs) {
            *y0 = (i32::from(q0) - 16) as f32 * d;
            *y1 = (i32::from(q1) - 16) as f32 * d;
        }
    }
}

/// Q5_1: 24 bytes = f16 d, f16 m, u32 qh, 16 bytes of nibbles;
/// value = q * d + m.
pub(super) fn q5_1(src: &[u8], dst: &mut [f32]) {
    for (b, y) in blocks::<24, QK>(src, dst) {
        let d = f16_le(b[0], b[1]);
        let m = f16_le(b[2], b[3]);
        let (lo, hi) = halves(y);
        let qs = q5_pairs([b[4], b[5], b[6], b[7]], &b[8..24]);
        for ((y0, y1), (q0, q1)) in lo.iter_mut().zip(hi).zip(qs) {
            *y0 = f32::from(q0) * d + m;
            *y1 = f32::from(q1) * d + m;
        }
    }
}

/// Q8_0: 34 bytes = f16 d, 32 signed bytes; value = q * d.
pub(super) fn q8_0(src: &[u8], dst: &mut [f32]) {
    for (b, y) in blocks::<34, QK>(src, dst) {
        let d = f16_le(b[0], b[1]);
        for (y, &q) in y.iter_mut().zip(&b[2..34]) {
            *y = f32::from(q as i8) * d;
        }
    }
}
