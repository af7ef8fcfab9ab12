// One activation row quantized to 8 bits per value in blocks of 32, the way
// llama.cpp quantizes activations for its quantized dot products (q8_0):
// d = max|x| / 127 and q = round(x / d) per block. The matrix-vector
// product of Q4_0 and Q8_0 weights then multiplies integers four at a time
// (dot4I8Packed, dot_q4_0_q8.wgsl / dot_q8_0_q8.wgsl) instead of converting
// every weight to f32, which was a third or more of decode's matvec time on
// lavapipe (BENCHMARKS.md, sessions 8 and 9).
//
// Per block three vec4<u32>: the 32 quants four per word (elements 4k..4k+3
// in word k, lowest byte first), then d, the sum of the quants (what the
// offsets of Q4_0's "- 8" and Q4_K's minimum need) and the sums of its two
// halves of 16 (Q6_K's "- 32", whose scales change every 16 values). Three
// vec4s, so that a uniform binding's 16-byte array stride holds them.
//
// The row read is the last of step.tokens rows, like matvec.wgsl's x.

override N: u32;            // row length, a multiple of 32
override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> xq: array<vec4<u32>>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let b = gid.x;
    if (b >= N / 32u) {
        return;
    }
    let first = ((step.tokens - 1u) * N + b * 32u) / 4u;
    var v: array<vec4<f32>, 8>;
    var amax = vec4<f32>(0.0);
    for (var k = 0u; k < 8u; k++) {
        v[k] = x[first + k];
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
    xq[3u * b] = vec4<u32>(words[0], words[1], words[2], words[3]);
    xq[3u * b + 1u] = vec4<u32>(words[4], words[5], words[6], words[7]);
    xq[3u * b + 2u] = vec4<u32>(bitcast<u32>(d), bitcast<u32>(sums.x + sums.y), bitcast<vec2<u32>>(sums));
}
