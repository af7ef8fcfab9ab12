// Q8_0 weights in matmul_q8.wgsl: a block's 32 int8 quants (two vec4s,
// dtype_q8_0.wgsl) as pair words w_a + w_b · 2^16 (mod 2^32), which times
// the activations' x_a · 2^16 + x_b (x_q8.wgsl) give
//   w_a x_b + (w_a x_a + w_b x_b) · 2^16  (mod 2^32).
// With |w| ≤ 128 and |x| ≤ 127 the high part is below 2^15 in magnitude
// and the low one below 2^14, so (p + 2^15) >> 16, read as i32, is exactly
// w_a x_a + w_b x_b. Unlike Q4_0's nibbles, two such products would overflow
// a half, so each is taken out on its own: one multiply, an add and a shift
// per two values (dot4I8Packed was no faster than f32 here on lavapipe).

const X_OFFSET: f32 = 0.0;

// Quants 0,2 / 1,3 of each word of the first (lo) and second (hi) vec4.
struct WPairs {
    lo_a: vec4<u32>,
    lo_b: vec4<u32>,
    hi_a: vec4<u32>,
    hi_b: vec4<u32>,
}

// Quants 0 and 2 of each word, sign-extended: q0 + q2 · 2^16 (mod 2^32).
fn weight_pairs02(v: vec4<u32>) -> vec4<u32> {
    let a = bitcast<vec4<i32>>(v << vec4<u32>(24u)) >> vec4<u32>(24u);
    let b = bitcast<vec4<i32>>(v << vec4<u32>(8u)) >> vec4<u32>(24u);
    return bitcast<vec4<u32>>(a) + (bitcast<vec4<u32>>(b) << vec4<u32>(16u));
}

// Quants 1 and 3: q1 + q3 · 2^16 (mod 2^32).
fn weight_pairs13(v: vec4<u32>) -> vec4<u32> {
    let a = bitcast<vec4<i32>>(v << vec4<u32>(16u)) >> vec4<u32>(24u);
    let b = bitcast<vec4<i32>>(v) >> vec4<u32>(24u);
    return bitcast<vec4<u32>>(a) + (bitcast<vec4<u32>>(b) << vec4<u32>(16u));
}

fn w_pairs(rs: u32, u: u32, h: Head, k: u32) -> WPairs {
    let lo = w_vec4(row_vec4_at(rs, 2u * u));
    let hi = w_vec4(row_vec4_at(rs, 2u * u + 1u));
    return WPairs(weight_pairs02(lo), weight_pairs13(lo), weight_pairs02(hi), weight_pairs13(hi));
}

// The pair sums of four products, each taken out of its high half.
fn pair_sums(p: vec4<u32>) -> vec4<i32> {
    return (bitcast<vec4<i32>>(p) + vec4<i32>(32768)) >> vec4<u32>(16u);
}

// Σ w_i q_i over the block.
fn pair_dot(w: WPairs, x: XPairs) -> f32 {
    let s = pair_sums(w.lo_a * x.lo02) + pair_sums(w.lo_b * x.lo13) + pair_sums(w.hi_a * x.hi02)
        + pair_sums(w.hi_b * x.hi13);
    return f32(s.x + s.y + s.z + s.w);
}
