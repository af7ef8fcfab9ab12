// Q4_K weights against 8-bit activations (quantize_x.wgsl): one unit is one
// super-block of 256 (dtype_q4_k.wgsl), read as d/dmin and the scale words
// through w_word and its nibbles as eight vec4s through w_vec4. Sub-block s = 2c + h
// of chunk c is the low (h = 0) or high (h = 1) nibbles of the chunk's 32
// bytes, element i in byte i, so its words meet activation block 8u + s
// word for word (nibble_dot16, x_q8.wgsl). With the sub-block's 6-bit scale sc and
// min m, and the activation block's scale d_x and quant sum Σq:
//   Σ (d sc n_i - dmin m) d_x q_i = d_x (d sc Σ n_i q_i - dmin m Σ q_i).
// `xrow` is unused: the quantized row is the step's only one.

const UNIT: u32 = 256u;

// A super-block's d/dmin and its three words of packed 6-bit scales and mins.
struct Q4kHead {
    dm: vec2<f32>,
    sc: vec3<u32>,
}

fn q4k_head(row_word: u32, b: u32) -> Q4kHead {
    return Q4kHead(unpack2x16float(w_word(row_word_at(row_word, b))),
                   vec3<u32>(w_word(row_word_at(row_word, b + 1u)), w_word(row_word_at(row_word, b + 2u)),
                             w_word(row_word_at(row_word, b + 3u))));
}

// Chunk c (64 values) of the super-block whose first vec4 is b4 against
// activation blocks x (x.a: the low nibbles' block, x.b: the high ones').
fn q4k_chunk(row_word: u32, b4: u32, c: u32, h: Q4kHead, x: XqPair) -> f32 {
    let q0 = w_vec4(row_vec4_at(row_word, b4 + 1u + 2u * c));         // the chunk's bytes 0..15
    let q1 = w_vec4(row_vec4_at(row_word, b4 + 2u + 2u * c));         // bytes 16..31
    let lo = nibble_dot16(q0, x.a.lo) + nibble_dot16(q1, x.a.hi);
    let hi = nibble_dot16(q0 >> vec4<u32>(4u), x.b.lo) + nibble_dot16(q1 >> vec4<u32>(4u), x.b.hi);
    return sub_block_dot(h.dm, unpack_scale_min(h.sc, 2u * c), lo, x.a) +
           sub_block_dot(h.dm, unpack_scale_min(h.sc, 2u * c + 1u), hi, x.b);
}

// One sub-block's term from its integer sum s: d_x (d sc s - dmin m Σq).
fn sub_block_dot(dm: vec2<f32>, sm: vec2<f32>, s: i32, x: XqBlock) -> f32 {
    let xs = xq_head_scale(x.head);
    return xs.x * (dm.x * sm.x * f32(s) - dm.y * sm.y * xs.y);
}

fn unit_dot(row_word: u32, u: u32, xrow: u32) -> f32 {
    let b = u * BLOCK_WORDS;   // the super-block's first word in the row
    let h = q4k_head(row_word, b);
    var total = 0.0;
    for (var c = 0u; c < 4u; c++) {
        // Activation blocks 8u + 2c (low nibbles) and 8u + 2c + 1 (high).
        total += q4k_chunk(row_word, b / 4u, c, h, xq_pair(4u * u + c));
    }
    return total;
}

// Super-block u of two rows, each activation pair taken once for both
// (matvec.wgsl's two-rows steps; on lavapipe 10-21 % less time per token of
// a Q4_K model than two unit_dot calls: BENCHMARKS.md, session 15).
fn unit_dot2(ra: u32, rb: u32, u: u32, xrow: u32) -> vec2<f32> {
    let b = u * BLOCK_WORDS;
    let ha = q4k_head(ra, b);
    let hb = q4k_head(rb, b);
    var total = vec2<f32>(0.0);
    for (var c = 0u; c < 4u; c++) {
        let x = xq_pair(4u * u + c);
        total += vec2<f32>(q4k_chunk(ra, b / 4u, c, ha, x), q4k_chunk(rb, b / 4u, c, hb, x));
    }
    return total;
}
