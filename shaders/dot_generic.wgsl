// F32 and F16 for the matrix-vector product: one unit is one group of 4
// elements through the type's load4. Rows may end inside a group: the
// weights there are zero padding, and x beyond the row reads as zero.

const UNIT: u32 = 4u;

@group(0) @binding(2) var<storage, read> x: array<f32>;

fn unit_dot(row_word: u32, u: u32, xb: u32) -> f32 {
    let i = 4u * u;
    let v = vec4<f32>(x[xb], select(0.0, x[xb + 1u], i + 1u < N), select(0.0, x[xb + 2u], i + 2u < N),
                      select(0.0, x[xb + 3u], i + 3u < N));
    return dot(load4(row_word, u), v);
}
