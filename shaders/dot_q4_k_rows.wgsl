// Q4_K for the matrix-vector product when each lane computes whole rows (CPU
// adapters): one unit is one super-block of 256 (layout in dtype_q4_k.wgsl):
// its first four words (d, dmin and the 12 scale bytes) once through w_word,
// its 128 bytes of nibbles as eight vec4s through w_vec4 (weights_storage.wgsl
// or weights_texture.wgsl). lavapipe runs loads lane by lane, so 12 loads per
// super-block instead of ~100 word loads (dot_q4_k.wgsl re-reads d and the
// scales for each of its 32-element units, which lets GPU lanes share a
// super-block) is what makes this faster there.

const UNIT: u32 = 256u;

// Σ q·x and Σ x over the 32 elements of one sub-block: words q of its
// nibble bytes (shifted to the sub-block's half), x from element xe.
fn q4_k_half(q: vec4<u32>, shift: u32, xrow: u32, xe: u32, acc: vec2<f32>) -> vec2<f32> {
    var r = acc;
    for (var j = 0u; j < 4u; j++) {
        let xv = x4(xrow, xe + 4u * j);
        r += vec2<f32>(dot(vec4<f32>(unpack4xU8((q[j] >> shift) & 0x0F0F0F0Fu)), xv), xv.x + xv.y + xv.z + xv.w);
    }
    return r;
}

fn unit_dot(row_word: u32, u: u32, xrow: u32) -> f32 {
    let xb = u * UNIT;
    let b = u * BLOCK_WORDS;   // the super-block's first word in the row
    let b4 = b / 4u;
    let dm = unpack2x16float(w_word(row_word_at(row_word, b)));
    let sc = vec3<u32>(w_word(row_word_at(row_word, b + 1u)), w_word(row_word_at(row_word, b + 2u)),
                      w_word(row_word_at(row_word, b + 3u)));
    var total = 0.0;
    for (var c = 0u; c < 4u; c++) {            // chunks of 64: sub-blocks 2c (low nibbles), 2c + 1 (high)
        let q0 = w_vec4(row_vec4_at(row_word, b4 + 1u + 2u * c));         // the chunk's bytes 0..15
        let q1 = w_vec4(row_vec4_at(row_word, b4 + 2u + 2u * c));         // bytes 16..31
        for (var h = 0u; h < 2u; h++) {
            let e = xb + 64u * c + 32u * h;
            let qs = q4_k_half(q1, 4u * h, xrow, e + 16u, q4_k_half(q0, 4u * h, xrow, e, vec2<f32>(0.0)));
            let sm = unpack_scale_min(sc, 2u * c + h);
            total += dm.x * sm.x * qs.x - dm.y * sm.y * qs.y;
        }
    }
    return total;
}
