// Q4_K for the matrix-vector product: one unit is one sub-block of 32 of a
// super-block (layout in dtype_q4_k.wgsl): sub-block s of chunk c = s / 2
// holds the low (s even) or high (s odd) nibbles of the chunk's 32 bytes.

const UNIT: u32 = 32u;

fn unit_dot(row_word: u32, u: u32, xrow: u32) -> f32 {
    let xb = u * UNIT;
    let b = (u / 8u) * BLOCK_WORDS;   // the super-block's first word in the row
    let s = u % 8u;
    let shift = select(0u, 4u, s % 2u == 1u);
    let q0 = b + 4u + (s / 2u) * 8u;
    var qx = 0.0;
    var sx = 0.0;
    for (var j = 0u; j < 8u; j++) {
        let xv = x4(xrow, xb + 4u * j);
        qx += dot(vec4<f32>(unpack4xU8((w_word(row_word_at(row_word, q0 + j)) >> shift) & 0x0F0F0F0Fu)), xv);
        sx += xv.x + xv.y + xv.z + xv.w;
    }
    let dm = unpack2x16float(w_word(row_word_at(row_word, b)));
    let sm = scale_min(row_word, b, s);
    return dm.x * sm.x * qx - dm.y * sm.y * sx;
}
