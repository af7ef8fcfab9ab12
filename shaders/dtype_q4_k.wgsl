// Q4_K super-blocks of 256 (144 bytes, already word-aligned): word 0 = f16 d
// (low) and f16 dmin (high); words 1..3 = 12 bytes of packed 6-bit scales and
// mins for 8 sub-blocks of 32; words 4..35 = 128 bytes of nibbles. Elements
// come in 4 chunks of 64: chunk c's first 32 are the low nibbles of bytes
// 32c..32c+31, its last 32 the high nibbles. value = d*sc*q - dmin*m.

const BLOCK_WORDS: u32 = 36u;

// Byte i of the 12 scale bytes held in words sc (words 1..3 of a super-block).
fn scale_byte(sc: vec3<u32>, i: u32) -> u32 {
    return (sc[i / 4u] >> (8u * (i % 4u))) & 0xFFu;
}

// The 6-bit scale and min of sub-block s (0..7), as ggml packs them.
fn unpack_scale_min(sc: vec3<u32>, s: u32) -> vec2<f32> {
    if (s < 4u) {
        return vec2<f32>(f32(scale_byte(sc, s) & 63u), f32(scale_byte(sc, s + 4u) & 63u));
    }
    let v = (scale_byte(sc, s + 4u) & 0x0Fu) | ((scale_byte(sc, s - 4u) >> 6u) << 4u);
    let m = (scale_byte(sc, s + 4u) >> 4u) | ((scale_byte(sc, s) >> 6u) << 4u);
    return vec2<f32>(f32(v), f32(m));
}

// All 8 sub-blocks' d·scale (sc_lo: 0..3, sc_hi: 4..7) and dmin·min of the
// super-block at word b, unpacked at once: the 6-bit values of sub-blocks
// 0..3 are the low 6 bits of scale bytes 0..3 (scales) and 4..7 (mins);
// those of 4..7 take their low 4 bits from the nibbles of bytes 8..11 and
// their high 2 from the top bits of bytes 0..3 / 4..7, so each set of four
// is one masked word, a byte per value. On lavapipe unpacking them one
// sub-block at a time took nearly half of the 8-bit prefill product
// (BENCHMARKS.md, session 17).
struct ScalesMins {
    sc_lo: vec4<f32>,
    sc_hi: vec4<f32>,
    m_lo: vec4<f32>,
    m_hi: vec4<f32>,
}

fn scales_mins(rs: u32, b: u32) -> ScalesMins {
    let dm = unpack2x16float(w_word(row_word_at(rs, b)));
    let w1 = w_word(row_word_at(rs, b + 1u));
    let w2 = w_word(row_word_at(rs, b + 2u));
    let w3 = w_word(row_word_at(rs, b + 3u));
    let sc_hi = (w3 & 0x0F0F0F0Fu) | ((w1 >> 2u) & 0x30303030u);
    let m_hi = ((w3 >> 4u) & 0x0F0F0F0Fu) | ((w2 >> 2u) & 0x30303030u);
    let six = 0x3F3F3F3Fu;
    return ScalesMins(dm.x * bytes4(w1 & six), dm.x * bytes4(sc_hi), dm.y * bytes4(w2 & six), dm.y * bytes4(m_hi));
}

fn bytes4(w: u32) -> vec4<f32> {
    return vec4<f32>(unpack4xU8(w));
}

// The same for the super-block at word b.
fn scale_min(rs: u32, b: u32, s: u32) -> vec2<f32> {
    let sc = vec3<u32>(w_word(row_word_at(rs, b + 1u)), w_word(row_word_at(rs, b + 2u)), w_word(row_word_at(rs, b + 3u)));
    return unpack_scale_min(sc, s);
}

// One (d·scale, dmin·min) per sub-block of 32: 8 groups.
const SCALE_GROUPS: u32 = 8u;

fn scale_of(row_word: u32, g: u32) -> vec2<f32> {
    let b = (g / 64u) * BLOCK_WORDS;   // the super-block's first word in the row
    let j = g % 64u;            // group within the super-block
    let dm = unpack2x16float(w_word(row_word_at(row_word, b)));
    let sm = scale_min(row_word, b, 2u * (j / 16u) + select(0u, 1u, j % 16u >= 8u));
    return vec2<f32>(dm.x * sm.x, dm.y * sm.y);
}

fn load4_scaled(row_word: u32, g: u32, s: vec2<f32>) -> vec4<f32> {
    let b = (g / 64u) * BLOCK_WORDS;
    let j = g % 64u;            // group within the super-block
    let c = j / 16u;            // chunk of 64
    let r = j % 16u;            // group within the chunk
    let q = (w_word(row_word_at(row_word, b + 4u + c * 8u + r % 8u)) >> select(0u, 4u, r >= 8u)) & 0x0F0F0F0Fu;
    return s.x * vec4<f32>(unpack4xU8(q)) - s.y;
}

fn load4(row_word: u32, g: u32) -> vec4<f32> {
    return load4_scaled(row_word, g, scale_of(row_word, g));
}

// The matrix-matrix product reads a run's nibbles once: the 8 groups that
// share a scale (half of a 64-element chunk) are the low or high nibbles of
// the chunk's 8 words, two vec4s (as dtype_q4_0.wgsl).
struct Raw {
    lo: vec4<u32>,   // words 0..3 of the chunk
    hi: vec4<u32>,   // words 4..7
}
const RAW_RUNS: bool = true;

fn load_raw(row_word: u32, g: u32) -> Raw {
    let v = ((g / 64u) * BLOCK_WORDS + 4u) / 4u + 2u * ((g % 64u) / 16u);
    return Raw(w_vec4(row_vec4_at(row_word, v)), w_vec4(row_vec4_at(row_word, v + 1u)));
}

fn raw_group(raw: Raw, row_word: u32, g: u32, s: vec2<f32>) -> vec4<f32> {
    let r = g % 16u;            // group within the chunk
    let word = select(raw.lo[r % 4u], raw.hi[r % 4u], r % 8u >= 4u);
    let q = (word >> select(0u, 4u, r >= 8u)) & 0x0F0F0F0Fu;
    return s.x * vec4<f32>(unpack4xU8(q)) - s.y;
}
