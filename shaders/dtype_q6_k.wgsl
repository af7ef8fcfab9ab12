// Q6_K super-blocks of 256, repacked to 56 words (210 bytes + 14 pad, so
// that every super-block and each of its parts below starts on a 16-byte
// boundary and can be read as vec4s; 6.7 % more device memory than the
// file's 210 bytes, for 4× fewer loads on lavapipe): words
// 0..31 = ql (low 4 bits), 32..47 = qh (high 2 bits), 48..51 = 16 int8 scales,
// word 52 = f16 d. Two halves of 128; in half h, for l in 0..32:
//   y[l]    = ql[64h+l] & 15   | (qh[32h+l] >> 0 & 3) << 4, scale sc[8h + l/16]
//   y[l+32] = ql[64h+l+32] & 15 | (qh[32h+l] >> 2 & 3) << 4, scale sc[8h + l/16 + 2]
//   y[l+64] = ql[64h+l] >> 4    | (qh[32h+l] >> 4 & 3) << 4, scale sc[8h + l/16 + 4]
//   y[l+96] = ql[64h+l+32] >> 4 | (qh[32h+l] >> 6 & 3) << 4, scale sc[8h + l/16 + 6]
// value = d * sc * (q - 32).

const BLOCK_WORDS: u32 = 56u;

// One d·scale per 16 elements: 4 groups.
const SCALE_GROUPS: u32 = 4u;

fn scale_of(row_word: u32, g: u32) -> vec2<f32> {
    let b = (g / 64u) * BLOCK_WORDS;   // the super-block's first word in the row
    let j = g % 64u;
    let si = 8u * (j / 32u) + (j % 8u) / 4u + 2u * ((j % 32u) / 8u);
    let sc = f32(extractBits(bitcast<i32>(w_word(row_word_at(row_word, b + 48u + si / 4u))), 8u * (si % 4u), 8u));
    return vec2<f32>(unpack2x16float(w_word(row_word_at(row_word, b + 52u))).x * sc, 0.0);
}

fn load4_scaled(row_word: u32, g: u32, s: vec2<f32>) -> vec4<f32> {
    let b = (g / 64u) * BLOCK_WORDS;
    let j = g % 64u;
    let h = j / 32u;            // half
    let k = (j % 32u) / 8u;     // which quarter of the half (y[l], y[l+32], y[l+64], y[l+96])
    let l = (j % 8u) * 4u;      // first l of this group
    let ql = w_word(row_word_at(row_word, b + 16u * h + (l + select(0u, 32u, k % 2u == 1u)) / 4u));
    let lo = (ql >> select(0u, 4u, k >= 2u)) & 0x0F0F0F0Fu;
    let qh = (w_word(row_word_at(row_word, b + 32u + 8u * h + l / 4u)) >> (2u * k)) & 0x03030303u;
    let q = vec4<f32>(unpack4xU8(lo | (qh << 4u))) - 32.0;
    return s.x * q;
}

fn load4(row_word: u32, g: u32) -> vec4<f32> {
    return load4_scaled(row_word, g, scale_of(row_word, g));
}

// The matrix-matrix product reads a run's quants once: the 4 groups that
// share a scale take 4 consecutive ql words and 4 consecutive qh words,
// one aligned vec4 each (as dtype_q4_0.wgsl).
struct Raw {
    ql: vec4<u32>,
    qh: vec4<u32>,
}
const RAW_RUNS: bool = true;

fn load_raw(row_word: u32, g: u32) -> Raw {
    let b = (g / 64u) * BLOCK_WORDS;
    let j = g % 64u;
    let h = j / 32u;
    let k = (j % 32u) / 8u;
    let ql = b + 16u * h + select(0u, 8u, k % 2u == 1u) + (j % 8u);
    return Raw(w_vec4(row_vec4_at(row_word, ql / 4u)), w_vec4(row_vec4_at(row_word, (b + 32u + 8u * h + (j % 8u)) / 4u)));
}

fn raw_group(raw: Raw, row_word: u32, g: u32, s: vec2<f32>) -> vec4<f32> {
    let j = g % 64u;
    let k = (j % 32u) / 8u;
    let lo = (raw.ql[j % 4u] >> select(0u, 4u, k >= 2u)) & 0x0F0F0F0Fu;
    let hi = (raw.qh[j % 4u] >> (2u * k)) & 0x03030303u;
    return s.x * (vec4<f32>(unpack4xU8(lo | (hi << 4u))) - 32.0);
}

// Where the matrix-vector product's unit u lies in the row at row_word: a
// run of 32 outputs of a super-block, half h = (u % 8) / 4, quarter
// k = u % 4, i.e. y[32k + l] of that half for l in 0..32 (dot_q6_k.wgsl;
// dot_q6_k_q8.wgsl takes a whole half at a time). Its 8 ql and 8 qh words are two aligned vec4s each;
// its halves of 16 have one scale each.
struct Q6Unit {
    ql4: u32,           // vec4 index of its first ql words (the second: TILE_ROWS on)
    qh4: u32,           // vec4 index of its first qh words (likewise)
    lo_shift: u32,      // its 4 low bits: the low (0) or high (4) nibbles of ql
    hi_shift: u32,      // its 2 high bits: bits 2k of qh
    d: vec2<f32>,       // d · scale of its two halves of 16
}

fn q6_k_unit(row_word: u32, u: u32) -> Q6Unit {
    let b = (u / 8u) * BLOCK_WORDS;   // the super-block's first word in the row
    let h = (u % 8u) / 4u;
    let k = u % 4u;
    let si = 8u * h + 2u * k;   // the two scale bytes are si and si + 1 (si even)
    let sw = w_word(row_word_at(row_word, b + 48u + si / 4u));
    let s0 = f32(extractBits(bitcast<i32>(sw), 8u * (si % 4u), 8u));
    let s1 = f32(extractBits(bitcast<i32>(sw), 8u * (si % 4u) + 8u, 8u));
    let d = unpack2x16float(w_word(row_word_at(row_word, b + 52u))).x;
    return Q6Unit(row_vec4_at(row_word, (b + 16u * h + select(0u, 8u, k % 2u == 1u)) / 4u),
                  row_vec4_at(row_word, (b + 32u + 8u * h) / 4u),
                  select(0u, 4u, k >= 2u), 2u * k, d * vec2<f32>(s0, s1));
}

// The 6-bit quants (0..63, one per byte) of word j of a unit's half.
fn q6_k_quants(unit: Q6Unit, ql: vec4<u32>, qh: vec4<u32>, j: u32) -> u32 {
    let lo = (ql[j] >> unit.lo_shift) & 0x0F0F0F0Fu;
    let hi = (qh[j] >> unit.hi_shift) & 0x03030303u;
    return lo | (hi << 4u);
}
