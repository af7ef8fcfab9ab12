// Four rows' dot products with x over all `units` units: the step of a
// lane-rows matrix-vector product that takes four rows per lane
// (matvec.wgsl, FOUR_ROWS), unit by unit. dot_rows4_scaled.wgsl replaces
// this for the types with one f16 scale per block.

fn rows4_dot(rows: vec4<u32>, units: u32, xrow: u32) -> vec4<f32> {
    var a = vec4<f32>(0.0);
    for (var u = 0u; u < units; u++) {
        a += vec4<f32>(unit_dot(rows.x, u, xrow), unit_dot(rows.y, u, xrow),
                       unit_dot(rows.z, u, xrow), unit_dot(rows.w, u, xrow));
    }
    return a;
}
