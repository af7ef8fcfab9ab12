// Quantized activations (binding 2) from storage: one row in the block
// layout of quantize_x.wgsl, three vec4<u32> per block of 32.

@group(0) @binding(2) var<storage, read> xq: array<vec4<u32>>;

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
