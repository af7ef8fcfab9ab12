// One block of 32 activations quantized to 8 bits, as llama.cpp quantizes
// activations for its integer dot products (q8_0): d = max|x| / 127 and
// q = round(x / d). The result is the block's three vec4<u32> in the layout
// the 8-bit matrix-vector products read (x_q8.wgsl): the 32 quants
// four per word (elements 4k..4k+3 in word k, lowest byte first), then d,
// the sum of the quants (what the offsets of Q4_0's "- 8" and Q4_K's minimum
// need) and the sums of its two halves of 16 (Q6_K's "- 32", whose scales
// change every 16 values). Three vec4s, so that a uniform binding's 16-byte
// array stride holds them. Used by quantize_x.wgsl and by RMSNorm's
// quantizing variant (rmsnorm_q8.wgsl).

fn q8_block(v: array<vec4<f32>, 8>) -> array<vec4<u32>, 3> {
    var amax = vec4<f32>(0.0);
    for (var k = 0u; k < 8u; k++) {
        amax = max(amax, abs(v[k]));
    }
    let d = max(max(amax.x, amax.y), max(amax.z, amax.w)) / 127.0;
    // An all-zero block: every quant 0 (and d 0, so it adds nothing).
    let inv = select(0.0, 1.0 / d, d > 0.0);
    var words: array<u32, 8>;
    var sums = vec2<i32>(0);    // of quants 0..15 and 16..31
    for (var k = 0u; k < 8u; k++) {
        // round() is round-half-to-even, as the CPU reference's round_ties_even.
        let q = clamp(vec4<i32>(round(v[k] * inv)), vec4<i32>(-127), vec4<i32>(127));
        sums[k / 4u] += q.x + q.y + q.z + q.w;
        words[k] = pack4xI8(q);
    }
    return array<vec4<u32>, 3>(
        vec4<u32>(words[0], words[1], words[2], words[3]),
        vec4<u32>(words[4], words[5], words[6], words[7]),
        vec4<u32>(bitcast<u32>(d), bitcast<u32>(sums.x + sums.y), bitcast<vec2<u32>>(sums)),
    );
}
