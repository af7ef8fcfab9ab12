// Q6_K for the matrix-vector product: one unit is one run of 32 outputs of a
// super-block (layout in dtype_q6_k.wgsl, the unit's place in q6_k_unit),
// with two scales (l < 16 and l >= 16).

const UNIT: u32 = 32u;

fn unit_dot(row_word: u32, u: u32, xrow: u32) -> f32 {
    let xb = u * UNIT;
    let unit = q6_k_unit(row_word, u);
    var part = vec2<f32>(0.0);
    for (var half = 0u; half < 2u; half++) {
        let ql = w_vec4(unit.ql4 + half * TILE_ROWS);
        let qh = w_vec4(unit.qh4 + half * TILE_ROWS);
        var d = 0.0;
        for (var j = 0u; j < 4u; j++) {
            let q = vec4<f32>(unpack4xU8(q6_k_quants(unit, ql, qh, j))) - 32.0;
            d += dot(q, x4(xrow, xb + 16u * half + 4u * j));
        }
        part[half] = d;
    }
    return dot(unit.d, part);
}
