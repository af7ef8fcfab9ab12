// Accessors of the quantized activations `xq` (binding 2, declared by
// x_q8_storage.wgsl or x_q8_uniform.wgsl): one row in the block layout of
// q8_block.wgsl, three vec4<u32> per block of 32.

// One block's three vec4s as stored: its quants 0..15 and 16..31 (four per
// word), then its scale d, the sum of its quants and the sums of quants
// 0..15 and 16..31 (as i32 bits).
struct XqBlock {
    lo: vec4<u32>,
    hi: vec4<u32>,
    head: vec4<u32>,
}

fn xq_block(u: u32) -> XqBlock {
    return XqBlock(xq[3u * u], xq[3u * u + 1u], xq[3u * u + 2u]);
}

// A block's scale d and the sum of its quants, from its third vec4.
fn xq_head_scale(head: vec4<u32>) -> vec2<f32> {
    return vec2<f32>(bitcast<f32>(head.x), f32(bitcast<i32>(head.y)));
}

// Nibbles against quants, two products per 32-bit multiply (lavapipe turns
// dot4I8Packed into one multiply per element, each with a shift and a mask;
// this is about half the instructions: BENCHMARKS.md, session 14). Masked
// with 0x000F000F, a word of nibbles (shifted by 0 or 8) holds two nibbles
// a (bits 0-3) and b (bits 16-19); the matching quants packed as
// x_a · 2^16 + x_b give
//   (a + b · 2^16)(x_a · 2^16 + x_b) = a x_b + (a x_a + b x_b) · 2^16  (mod 2^32),
// the pair's dot product in the high half. For eight such products,
// |Σ (a x_a + b x_b)| ≤ 16 · 15 · 127 < 2^15 and |Σ a x_b| < 2^15, so their
// wrapping 32-bit sum, read as i32, is exact and (sum + 2^15) >> 16 is
// their dot product.

// The products and sums are done on u32, whose wrapping every backend
// defines (signed overflow and left shifts of negative values are undefined
// in MSL's C++); only the final sum is read as i32.

// Quants 0 and 2 of each word, sign-extended: q0 · 2^16 + q2 (mod 2^32).
fn quant_pairs02(v: vec4<u32>) -> vec4<u32> {
    let q0 = bitcast<vec4<i32>>(v << vec4<u32>(24u)) >> vec4<u32>(8u);
    let q2 = bitcast<vec4<i32>>(v << vec4<u32>(8u)) >> vec4<u32>(24u);
    return bitcast<vec4<u32>>(q0) + bitcast<vec4<u32>>(q2);
}

// Quants 1 and 3: q1 · 2^16 + q3 (mod 2^32).
fn quant_pairs13(v: vec4<u32>) -> vec4<u32> {
    let q1 = bitcast<vec4<u32>>(bitcast<vec4<i32>>(v << vec4<u32>(16u)) >> vec4<u32>(8u)) & vec4<u32>(0xFFFF0000u);
    let q3 = bitcast<vec4<i32>>(v) >> vec4<u32>(24u);
    return q1 + bitcast<vec4<u32>>(q3);
}

// Σ n_i x_i over 16 elements: n_i the low nibble of byte i of `nib` (four
// words; the caller shifts high nibbles down), x_i quant i of `x`. The same
// integer as four dot4I8Packed of the masked nibbles.
fn nibble_dot16(nib: vec4<u32>, x: vec4<u32>) -> i32 {
    let m = vec4<u32>(0x000F000Fu);
    let p = (nib & m) * quant_pairs02(x) + ((nib >> vec4<u32>(8u)) & m) * quant_pairs13(x);
    return (bitcast<i32>(p.x + p.y + p.z + p.w) + 32768) >> 16u;
}
