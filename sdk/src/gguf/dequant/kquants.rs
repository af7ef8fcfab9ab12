//! The k-quant super-block formats: 256 weights per block, split into
//! sub-blocks that each carry their own small integer scale (and min), which
//! in turn are scaled by f16 super-block factors.
//!
//! | type | bytes | layout                                             |
//! |------|-------|----------------------------------------------------|
//! | Q4_K | 144   | d, dmin (f16), scales[12], qs[128]                  |
//! | Q5_K | 176   | d, dmin (f16), scales[12], qh[32], qs[128]          |
//! | Q6_K | 210   | ql[128], qh[64], scales[16] (i8), d (f16)           |
//! | Q8_K | 292   | d (f32), qs[256] (i8), bsums[16] (i16, unused here) |
//!
//! Q4_K/Q5_K: 8 sub-blocks of 32 weights, value = d*sc*q - dmin*m with 6-bit
//! `sc` and `m` (see [`scales_mins`]). Q6_K: 16 sub-blocks of 16 weights,
//! value = d*sc*(q - 32). Q8_K: value = d*q.

use super::{blocks, f16_le};

/// Weights per super-block.
const QK_K: usize = 256;

/// Unpack the eight 6-bit scales and eight 6-bit mins of Q4_K / Q5_K from
/// their 12 bytes. Sub-blocks 0-3 keep theirs in the low 6 bits of bytes 0-3
/// (scales) and 4-7 (mins); sub-blocks 4-7 keep their low 4 bits in the
/// nibbles of bytes 8-11 (scale low, min high) and their top 2 bits in the
/// top 2 bits of bytes 0-3 (scales) and 4-7 (mins):
///
/// ```text
///  byte 0..4   SSssssss   s = scale j, S = top bits of scale j+4
///  byte 4..8   MMmmmmmm   m = min j,   M = top bits of min j+4
///  byte 8..12  mmmmssss   low bits of min / scale j+4
/// ```
#[inline(always)]
fn scales_mins(s: &[u8]) -> ([u8; 8], [u8; 8]) {
    let mut sc = [0u8; 8];
    let mut mn = [0u8; 8];
    for j in 0..4 {
        sc[j] = s[j] & 0x3F;
        mn[j] = s[j + 4] & 0x3F;
        sc[j + 4] = (s[j + 8] & 0x0F) | ((s[j] >> 6) << 4);
        mn[j + 4] = (s[j + 8] >> 4) | ((s[j + 4] >> 6) << 4);
    }
    (sc, mn)
}

/// Q4_K: 144 bytes. `qs` is four 32-byte runs, one per 64 weights: run `c`
/// holds sub-block `2c` in its low nibbles and sub-block `2c + 1` in its high
/// nibbles. value = (d * sc) * q - (dmin * m).
pub(super) fn q4_k(src: &[u8], dst: &mut [f32]) {
    for (b, y) in blocks::<144, QK_K>(src, dst) {
        let d = f16_le(b[0], b[1]);
        let dmin = f16_le(b[2], b[3]);
        let (sc, mn) = scales_mins(&b[4..16]);
        let runs = b[16..144].chunks_exact(32).zip(y.chunks_exact_mut(64));
        for (c, (qs, y)) in runs.enumerate() {
            let (d1, m1) = (d * f32::from(sc[2 * c]), dmin * f32::from(mn[2 * c]));
            let (d2, m2) = (d * f32::from(sc[2 * c + 1]), dmin * f32::from(mn[2 * c + 1]));
            let (ya, yb) = y.split_at_mut(32);
            for ((ya, yb), &q) in ya.iter_mut().zip(yb).zip(qs) {
                *ya = d1 * f32::from(q & 0x0F) - m1;
                *yb = d2 * f32::from(q >> 4) - m2;
            }
        }
    }
}

/// Q5_K: 176 bytes. Low 4 bits as in Q4_K; the fifth bit of weight `l` of
/// sub-block `i` is bit `i` of `qh[l]`. value = (d * sc) * q - (dmin * m).
pub(super) fn q5_k(src: &[u8], dst: &mut [f32]) {
    for (b, y) in blocks::<176, QK_K>(src, dst) {
        let d = f16_le(b[0], b[1]);
        let dmin = f16_le(b[2], b[3]);
        let (sc, mn) = scales_mins(&b[4..16]);
        let qh = &b[16..48];
        let runs = b[48..176].chunks_exact(32).zip(y.chunks_exact_mut(64));
        for (c, (qs, y)) in runs.enumerate() {
            let (d1, m1) = (d * f32::from(sc[2 * c]), dmin * f32::from(mn[2 * c]));
            let (d2, m2) = (d * f32::from(sc[2 * c + 1]), dmin * f32::from(mn[2 * c + 1]));
            let (ya, yb) = y.split_at_mut(32);
            for (((ya, yb), &q), &h) in ya.iter_mut().zip(yb).zip(qs).zip(qh) {
                let h1 = (h >> (2 * c)) & 1;
                let h2 = (h >> (2 * c + 1)) & 1;
                *ya = d1 * f32::from((q & 0x0F) | (h1 << 4)) - m1;
                *yb = d2 * f32::from((q >> 4) | (h2 << 4)) - m2;
            }
        }
    }
}

/// Q6_K: 210 bytes, processed as two halves of 128 weights. Half `n` uses
/// `ql[64n..64n+64]`, `qh[32n..32n+32]` and `scales[8n..8n+8]`. For
/// `l < 32` the four weights `l`, `l+32`, `l+64`, `l+96` of the half take
/// their low 4 bits from the low nibble of `ql[l]`, low nibble of
/// `ql[l+32]`, high nibble of `ql[l]`, high nibble of `ql[l+32]`, and their
/// top 2 bits from bits 0-1, 2-3, 4-5, 6-7 of `qh[l]`. Each 16 weights share
/// one signed scale. value = (d * sc) * (q - 32).
pub(super) fn q6_k(src: &[u8], dst: &mut [f32]) {
    for (b, y) in blocks::<210, QK_K>(src, dst) {
        let d = f16_le(b[208], b[209]);
        let halves = b[0..128]
            .chunks_exact(64)
            .zip(b[128..192].chunks_exact(32))
            .zip(b[192..208].chunks_exact(8))
            .zip(y.chunks_exact_mut(128));
        for (((ql, qh), sc), y) in halves {
            // ds[k] scales weights 16k..16k+16 of this half.
            let mut ds = [0f32; 8];
            for (ds, &s) in ds.iter_mut().zip(sc) {
                *ds = d * f32::from(s as i8);
            }
            // The four 32-weight quarters of this half.
            let (y01, y23) = y.split_at_mut(64);
            let (y0, y1) = y01.split_at_mut(32);
            let (y2, y3) = y23.split_at_mut(32);
            let (ql_a, ql_b) = ql.split_at(32);
            let outs = y0.iter_mut().zip(y1).zip(y2.iter_mut().zip(y3));
            let ins = ql_a.iter().zip(ql_b).zip(qh);
            for (l, (((y0, y1), (y2, y3)), ((&qa, &qb), &h))) in outs.zip(ins).enumerate() {
                let is = (l / 16) & 1;
                let q1 = i32::from((qa & 0x0F) | ((h & 0x03) << 4)) - 32;
                let q2 = i32::from((qb & 0x0F) | (((h >> 2) & 0x03) << 4)) - 32;
                let q3 = i32::from((qa >> 4) | (((h >> 4) & 0x03) << 4)) - 32;
                let q4 = i32::from((qb >> 4) | (((h >> 6) & 0x03) << 4)) - 32;
                *y0 = ds[is] * q1 as f32;
                *y1 = ds[is + 2] * q2 as f32;
                *y2 = ds[is + 4] * q3 as f32;
                *y3 = ds[is + 6] * q4 as f32;
            }
        }
    }
}

/// Q8_K: 292 bytes = f32 d, 256 signed bytes, 16 i16 block sums (only used by
/// dot products, ignored here); value = d * q.
pub(super) fn q8_k(src: &[u8], dst: &mut [f32]) {
    for (b, y) in blocks::<292, QK_K>(src, dst) {
        let d = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        for (y, &q) in y.iter_mut().zip(&b[4..260]) {
            *y = d * f32::from(q as i8);
        }
    }
}
