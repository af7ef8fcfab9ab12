// Four rows' dot products with 8-bit activations over all `units` blocks
// (the four-rows step of matvec.wgsl) for Q4_0 and Q8_0: dot_rows4_scaled.wgsl
// with the activations of each pair of blocks taken once for the four rows
// (xq_pair, from x_q8_pair_loads.wgsl or x_q8_pair_shared.wgsl).
// unit_raw_q8 is the dot snippet's block product before the weights' scale.

fn rows4_dot(rows: vec4<u32>, units: u32, xrow: u32) -> vec4<f32> {
    var a = vec4<f32>(0.0);
    let pairs = units / 2u;
    for (var p = 0u; p < pairs; p++) {
        let u = 2u * p;
        let x = xq_pair(p);
        let d0 = unpack2x16float(scale_pair(rows.x, p));
        let d1 = unpack2x16float(scale_pair(rows.y, p));
        let d2 = unpack2x16float(scale_pair(rows.z, p));
        let d3 = unpack2x16float(scale_pair(rows.w, p));
        a += vec4<f32>(d0.x, d1.x, d2.x, d3.x) * vec4<f32>(unit_raw_q8(rows.x, u, x.a), unit_raw_q8(rows.y, u, x.a),
                                                          unit_raw_q8(rows.z, u, x.a), unit_raw_q8(rows.w, u, x.a));
        let v = u + 1u;
        a += vec4<f32>(d0.y, d1.y, d2.y, d3.y) * vec4<f32>(unit_raw_q8(rows.x, v, x.b), unit_raw_q8(rows.y, v, x.b),
                                                          unit_raw_q8(rows.z, v, x.b), unit_raw_q8(rows.w, v, x.b));
    }
    if (units % 2u == 1u) {
        let u = units - 1u;
        a += vec4<f32>(unit_dot(rows.x, u, xrow), unit_dot(rows.y, u, xrow),
                       unit_dot(rows.z, u, xrow), unit_dot(rows.w, u, xrow));
    }
    return a;
}
