// Four rows' dot products with x over all `units` blocks (the four-rows step
// of matvec.wgsl) for Q4_0 and Q8_0, whose rows keep their f16 block scales
// two per word after the quants (row_scales.wgsl): one scale word per row
// serves two blocks. On lavapipe a scale load per block and row cost about
// a quarter of the product; loading scales eight blocks at a time in an
// unrolled run was no faster, because the unrolled loop itself was slower
// (BENCHMARKS.md, session 11). unit_raw is the dot snippet's block product
// before the scale.

fn rows4_dot(rows: vec4<u32>, units: u32, xrow: u32) -> vec4<f32> {
    var a = vec4<f32>(0.0);
    let pairs = units / 2u;
    for (var p = 0u; p < pairs; p++) {
        let u = 2u * p;
        let d0 = unpack2x16float(scale_pair(rows.x, p));
        let d1 = unpack2x16float(scale_pair(rows.y, p));
        let d2 = unpack2x16float(scale_pair(rows.z, p));
        let d3 = unpack2x16float(scale_pair(rows.w, p));
        a += vec4<f32>(d0.x, d1.x, d2.x, d3.x) * vec4<f32>(unit_raw(rows.x, u, xrow), unit_raw(rows.y, u, xrow),
                                                          unit_raw(rows.z, u, xrow), unit_raw(rows.w, u, xrow));
        let v = u + 1u;
        a += vec4<f32>(d0.y, d1.y, d2.y, d3.y) * vec4<f32>(unit_raw(rows.x, v, xrow), unit_raw(rows.y, v, xrow),
                                                          unit_raw(rows.z, v, xrow), unit_raw(rows.w, v, xrow));
    }
    if (units % 2u == 1u) {
        let u = units - 1u;
        a += vec4<f32>(unit_dot(rows.x, u, xrow), unit_dot(rows.y, u, xrow),
                       unit_dot(rows.z, u, xrow), unit_dot(rows.w, u, xrow));
    }
    return a;
}
