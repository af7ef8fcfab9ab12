// Rows that hold all their blocks' quants first (QUANT_WORDS words per block
// of 32, declared by dtype_q4_0.wgsl / dtype_q8_0.wgsl), then the row's f16
// scales two per word: the scale accessors. N (the row length) is an
// override of every kernel that includes this.

// One scale per block of 8 groups.
const SCALE_GROUPS: u32 = 8u;

// The f16 scales of blocks 2p and 2p + 1 of the row whose handle is row_word.
fn scale_pair(row_word: u32, p: u32) -> u32 {
    return w_word(row_word_at(row_word, (N / 32u) * QUANT_WORDS + p));
}

// The f16 scale of block u of the row starting at word row_word.
fn block_scale(row_word: u32, u: u32) -> f32 {
    let s = unpack2x16float(scale_pair(row_word, u / 2u));
    return select(s.x, s.y, u % 2u == 1u);
}

fn scale_of(row_word: u32, g: u32) -> vec2<f32> {
    return vec2<f32>(block_scale(row_word, g / 8u), 0.0);
}

fn load4(row_word: u32, g: u32) -> vec4<f32> {
    return load4_scaled(row_word, g, scale_of(row_word, g));
}
