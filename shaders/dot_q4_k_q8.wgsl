// Q4_K weights against 8-bit activations (quantize_x.wgsl): one unit is one
// super-block of 256 (dtype_q4_k.wgsl), read as d/dmin and the scale words
// through w_word (all 8 scales and mins unpacked at once, scales_mins: 1-11 %
// less CPU time per product on lavapipe than one sub-block at a time,
// BENCHMARKS.md session 17) and its nibbles as eight vec4s through w_vec4. Sub-block s = 2c + h
// of chunk c is the low (h = 0) or high (h = 1) nibbles of the chunk's 32
// bytes, element i in byte i, so its words meet activation block 8u + s
// word for word (nibble_dot16, x_q8.wgsl). With the sub-block's 6-bit scale sc and
// min m, and the activation block's scale d_x and quant sum Σq:
//   Σ (d sc n_i - dmin m) d_x q_i = d_x (d sc Σ n_i q_i - dmin m Σ q_i).
// `xrow` is unused: the quantized row is the step's only one.

const UNIT: u32 = 256u;

// Chunk c (64 values) of the super-block whose first vec4 is b4 against
// activation blocks x (x.a: the low nibbles' block, x.b: the high ones'),
// sm its two sub-blocks' d·sc (x, y) and dmin·m (z, w): chunk_scales.
fn q4k_chunk(row_word: u32, b4: u32, c: u32, sm: vec4<f32>, x: XqPair) -> f32 {
    let q0 = w_vec4(row_vec4_at(row_word, b4 + 1u + 2u * c));         // the chunk's bytes 0..15
    let q1 = w_vec4(row_vec4_at(row_word, b4 + 2u + 2u * c));         // bytes 16..31
    let lo = nibble_dot16(q0, x.a.lo) + nibble_dot16(q1, x.a.hi);
    let hi = nibble_dot16(q0 >> vec4<u32>(4u), x.b.lo) + nibble_dot16(q1 >> vec4<u32>(4u), x.b.hi);
    let xa = xq_head_scale(x.a.head);
    let xb = xq_head_scale(x.b.head);
    return xa.x * (sm.x * f32(lo) - sm.z * xa.y) + xb.x * (sm.y * f32(hi) - sm.w * xb.y);
}

// Sub-blocks 2c and 2c + 1's scales and mins: (sc_2c, sc_2c+1, m_2c, m_2c+1).
fn chunk_scales(h: ScalesMins, c: u32) -> vec4<f32> {
    let sc = select(h.sc_lo, h.sc_hi, c >= 2u);
    let m = select(h.m_lo, h.m_hi, c >= 2u);
    return select(vec4<f32>(sc.xy, m.xy), vec4<f32>(sc.zw, m.zw), c % 2u == 1u);
}

fn unit_dot(row_word: u32, u: u32, xrow: u32) -> f32 {
    let b = u * BLOCK_WORDS;   // the super-block's first word in the row
    let h = scales_mins(row_word, b);
    var total = 0.0;
    for (var c = 0u; c < 4u; c++) {
        // Activation blocks 8u + 2c (low nibbles) and 8u + 2c + 1 (high).
        total += q4k_chunk(row_word, b / 4u, c, chunk_scales(h, c), xq_pair(4u * u + c));
    }
    return total;
}

// Super-block u of two rows, each activation pair taken once for both
// (matvec.wgsl's two-rows steps; on lavapipe 10-21 % less time per token of
// a Q4_K model than two unit_dot calls: BENCHMARKS.md, session 15).
fn unit_dot2(ra: u32, rb: u32, u: u32, xrow: u32) -> vec2<f32> {
    let b = u * BLOCK_WORDS;
    let ha = scales_mins(ra, b);
    let hb = scales_mins(rb, b);
    var total = vec2<f32>(0.0);
    for (var c = 0u; c < 4u; c++) {
        let x = xq_pair(4u * u + c);
        total += vec2<f32>(q4k_chunk(ra, b / 4u, c, chunk_scales(ha, c), x),
                           q4k_chunk(rb, b / 4u, c, chunk_scales(hb, c), x));
    }
    return total;
}

// Super-block u of four rows (matvec.wgsl's four-rows step), each
// activation pair taken once for all four.
fn rows4_dot(rows: vec4<u32>, units: u32, xrow: u32) -> vec4<f32> {
    var total = vec4<f32>(0.0);
    for (var u = 0u; u < units; u++) {
        let b = u * BLOCK_WORDS;
        let h0 = scales_mins(rows.x, b);
        let h1 = scales_mins(rows.y, b);
        let h2 = scales_mins(rows.z, b);
        let h3 = scales_mins(rows.w, b);
        for (var c = 0u; c < 4u; c++) {
            let x = xq_pair(4u * u + c);
            total += vec4<f32>(q4k_chunk(rows.x, b / 4u, c, chunk_scales(h0, c), x),
                               q4k_chunk(rows.y, b / 4u, c, chunk_scales(h1, c), x),
                               q4k_chunk(rows.z, b / 4u, c, chunk_scales(h2, c), x),
                               q4k_chunk(rows.w, b / 4u, c, chunk_scales(h3, c), x));
        }
    }
    return total;
}
