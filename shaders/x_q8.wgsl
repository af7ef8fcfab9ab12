// Accessors of the quantized activations `xq` (binding 2, declared by
// x_q8_storage.wgsl or x_q8_uniform.wgsl): one row in the block layout of
// q8_block.wgsl, three vec4<u32> per block of 32.

// Quants 16·half .. 16·half + 15 of block u, four per word.
fn xq_quants(u: u32, half: u32) -> vec4<u32> {
    return xq[3u * u + half];
}

// Block u's scale d and the sum of its quants.
fn xq_scale(u: u32) -> vec2<f32> {
    let t = xq[3u * u + 2u];
    return vec2<f32>(bitcast<f32>(t.x), f32(bitcast<i32>(t.y)));
}

// The sums of block u's quants 0..15 and 16..31.
fn xq_half_sums(u: u32) -> vec2<f32> {
    return vec2<f32>(bitcast<vec2<i32>>(xq[3u * u + 2u].zw));
}
