// F32 and F16 for the matrix-vector product: one unit is one group of 4
// elements through the type's load4 and x_scalar.wgsl's x4 (zero past the
// row's end).

const UNIT: u32 = 4u;

fn unit_dot(row_word: u32, u: u32, xrow: u32) -> f32 {
    return dot(load4(row_word, u), x4(xrow, 4u * u));
}
