// Prefill product of Q4_0, Q8_0, Q4_K or Q6_K weights against 8-bit
// activations, for CPU adapters (lavapipe): for T tokens
//   out[t * OUT_STRIDE + OUT_BASE + ROW_OFFSET + r] = W[r] · x[t]
// with each token's row quantized in blocks of 32 by quantize_x.wgsl
// (ALL_ROWS: row t of xq is token t, N / 32 blocks of three vec4<u32>).
// As matmul.wgsl, each invocation keeps 8 rows × 8 tokens in registers, but
// it multiplies a block of 32 at a time in integers, two products per 32-bit
// multiply (x_q8.wgsl; the type's tile_<type>_q8.wgsl says how its weights
// pair up), and adds to its f32 accumulators once per block instead of once
// per 4 values. The f32 tile's 64 accumulators live on the stack on
// lavapipe and every update is loaded, blended and stored; a block's worth
// of integer work per update, and 1 byte of x per value instead of 4, made
// the product 1.7x (Q4_0), 1.3x (Q8_0), 1.7-1.8x (Q4_K) and 1.5-1.6x (Q6_K)
// as fast (BENCHMARKS.md, sessions 16-17).
//
// Lane j of the workgroup (one subgroup of at least 8 lanes) loads token j's
// block and turns its quants into pairs once; subgroupBroadcast hands the
// eight tokens' pairs to every lane. PAIRS as in matmul.wgsl (SwiGLU of
// interleaved gate/up rows in registers).

override N: u32;           // row length, a multiple of 32
override ROW_WORDS: u32;   // words per row in the GPU layout
override ROWS: u32;        // rows in this binding's chunk
override ROW_OFFSET: u32;  // index of the chunk's first row
override OUT_STRIDE: u32;  // output row stride
override OUT_BASE: u32 = 0u;
override WG: u32 = 8u;     // lanes per workgroup: one subgroup
override PAIRS: bool = false;

const TR: u32 = 8u;        // rows per invocation
const TT: u32 = 8u;        // tokens per invocation

@group(0) @binding(0) var<uniform> step: Step;
// w (binding 1) is declared by the dtype snippet; xq (binding 2) by
// x_q8_storage.wgsl; WPairs, w_pairs, pair_dot, X_OFFSET, Head, HEAD_BLOCKS,
// row_head and block_acc by the type's tile_<type>_q8.wgsl (with
// tile_nibbles_q8.wgsl for nibbles, tile_scales_q8.wgsl for 32-blocks).
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
// store_tile: matmul_store.wgsl.

// One token's block ready for pair products: its quants in pairs
// (quant_pairs02/13, x_q8.wgsl), its scale d, and d · Σq, which takes an
// offset of the weights out of the integer sum (Q4_0's constant "- 8",
// Q4_K's per-sub-block min).
struct XPairs {
    lo02: vec4<u32>,
    lo13: vec4<u32>,
    hi02: vec4<u32>,
    hi13: vec4<u32>,
    d: f32,
    dsum: f32,
}

fn x_pairs(b: XqBlock) -> XPairs {
    let s = xq_head_scale(b.head);
    return XPairs(quant_pairs02(b.lo), quant_pairs13(b.lo), quant_pairs02(b.hi), quant_pairs13(b.hi), s.x,
                  s.x * s.y);
}

// d_x · Σ w_i q_i over one block (the type's pair_dot gives the integer
// sum, or for Q6_K the sums of its halves times their scales).
fn block_dot(w: WPairs, x: XPairs) -> f32 {
    return pair_dot(w, x) * x.d + X_OFFSET * x.dsum;
}

// One row's block against the eight tokens: column k holds tokens 4k..4k+3.
fn row_tile(w: WPairs, x0: XPairs, x1: XPairs, x2: XPairs, x3: XPairs, x4: XPairs, x5: XPairs, x6: XPairs,
            x7: XPairs) -> mat2x4<f32> {
    return mat2x4<f32>(vec4<f32>(block_dot(w, x0), block_dot(w, x1), block_dot(w, x2), block_dot(w, x3)),
                       vec4<f32>(block_dot(w, x4), block_dot(w, x5), block_dot(w, x6), block_dot(w, x7)));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let r0 = (wid.x * WG + lid) * TR;
    let t0 = wid.y * TT;
    // Rows and tokens past the end repeat the last valid one (reads stay in
    // bounds); their results are not stored. No lane returns early: every
    // lane takes part in each block's broadcasts.
    let last_row = ROWS - 1u;
    let blocks = N / 32u;
    var rb: array<u32, 8>;
    for (var i = 0u; i < TR; i++) {
        rb[i] = row_start(min(r0 + i, last_row));
    }
    // The first block of the token this lane loads (lane j: token j % 8).
    let own = min(t0 + lid % TT, step.tokens - 1u) * blocks;
    var a0 = mat2x4<f32>();   // row 0: tokens 0..3 (column 0), 4..7 (column 1)
    var a1 = mat2x4<f32>();
    var a2 = mat2x4<f32>();
    var a3 = mat2x4<f32>();
    var a4 = mat2x4<f32>();
    var a5 = mat2x4<f32>();
    var a6 = mat2x4<f32>();
    var a7 = mat2x4<f32>();
    // The rows' scales are read once per group of HEAD_BLOCKS blocks (the
    // last one may be shorter), then each block adds its tile. Per block,
    // Q4_K's scales took nearly half of the product's time; a group per
    // loop of one block made Q4_0 1.7x as slow (BENCHMARKS.md, session 17).
    var h: array<Head, 8>;
    for (var g = 0u; g < (blocks + HEAD_BLOCKS - 1u) / HEAD_BLOCKS; g++) {
        for (var i = 0u; i < TR; i++) {
            h[i] = row_head(rb[i], g);
        }
        for (var k = 0u; k < min(HEAD_BLOCKS, blocks - g * HEAD_BLOCKS); k++) {
            let u = g * HEAD_BLOCKS + k;
            let p = x_pairs(xq_block(own + u));
            let x0 = XPairs(subgroupBroadcast(p.lo02, 0u), subgroupBroadcast(p.lo13, 0u), subgroupBroadcast(p.hi02, 0u),
                            subgroupBroadcast(p.hi13, 0u), subgroupBroadcast(p.d, 0u), subgroupBroadcast(p.dsum, 0u));
            let x1 = XPairs(subgroupBroadcast(p.lo02, 1u), subgroupBroadcast(p.lo13, 1u), subgroupBroadcast(p.hi02, 1u),
                            subgroupBroadcast(p.hi13, 1u), subgroupBroadcast(p.d, 1u), subgroupBroadcast(p.dsum, 1u));
            let x2 = XPairs(subgroupBroadcast(p.lo02, 2u), subgroupBroadcast(p.lo13, 2u), subgroupBroadcast(p.hi02, 2u),
                            subgroupBroadcast(p.hi13, 2u), subgroupBroadcast(p.d, 2u), subgroupBroadcast(p.dsum, 2u));
            let x3 = XPairs(subgroupBroadcast(p.lo02, 3u), subgroupBroadcast(p.lo13, 3u), subgroupBroadcast(p.hi02, 3u),
                            subgroupBroadcast(p.hi13, 3u), subgroupBroadcast(p.d, 3u), subgroupBroadcast(p.dsum, 3u));
            let x4 = XPairs(subgroupBroadcast(p.lo02, 4u), subgroupBroadcast(p.lo13, 4u), subgroupBroadcast(p.hi02, 4u),
                            subgroupBroadcast(p.hi13, 4u), subgroupBroadcast(p.d, 4u), subgroupBroadcast(p.dsum, 4u));
            let x5 = XPairs(subgroupBroadcast(p.lo02, 5u), subgroupBroadcast(p.lo13, 5u), subgroupBroadcast(p.hi02, 5u),
                            subgroupBroadcast(p.hi13, 5u), subgroupBroadcast(p.d, 5u), subgroupBroadcast(p.dsum, 5u));
            let x6 = XPairs(subgroupBroadcast(p.lo02, 6u), subgroupBroadcast(p.lo13, 6u), subgroupBroadcast(p.hi02, 6u),
                            subgroupBroadcast(p.hi13, 6u), subgroupBroadcast(p.d, 6u), subgroupBroadcast(p.dsum, 6u));
            let x7 = XPairs(subgroupBroadcast(p.lo02, 7u), subgroupBroadcast(p.lo13, 7u), subgroupBroadcast(p.hi02, 7u),
                            subgroupBroadcast(p.hi13, 7u), subgroupBroadcast(p.d, 7u), subgroupBroadcast(p.dsum, 7u));
            // The tokens' d_x Σq, laid out as the tiles (types with weight offsets).
            let dsum = mat2x4<f32>(vec4<f32>(x0.dsum, x1.dsum, x2.dsum, x3.dsum), vec4<f32>(x4.dsum, x5.dsum, x6.dsum, x7.dsum));
            a0 = block_acc(a0, h[0], k, row_tile(w_pairs(rb[0], u, h[0], k), x0, x1, x2, x3, x4, x5, x6, x7), dsum);
            a1 = block_acc(a1, h[1], k, row_tile(w_pairs(rb[1], u, h[1], k), x0, x1, x2, x3, x4, x5, x6, x7), dsum);
            a2 = block_acc(a2, h[2], k, row_tile(w_pairs(rb[2], u, h[2], k), x0, x1, x2, x3, x4, x5, x6, x7), dsum);
            a3 = block_acc(a3, h[3], k, row_tile(w_pairs(rb[3], u, h[3], k), x0, x1, x2, x3, x4, x5, x6, x7), dsum);
            a4 = block_acc(a4, h[4], k, row_tile(w_pairs(rb[4], u, h[4], k), x0, x1, x2, x3, x4, x5, x6, x7), dsum);
            a5 = block_acc(a5, h[5], k, row_tile(w_pairs(rb[5], u, h[5], k), x0, x1, x2, x3, x4, x5, x6, x7), dsum);
            a6 = block_acc(a6, h[6], k, row_tile(w_pairs(rb[6], u, h[6], k), x0, x1, x2, x3, x4, x5, x6, x7), dsum);
            a7 = block_acc(a7, h[7], k, row_tile(w_pairs(rb[7], u, h[7], k), x0, x1, x2, x3, x4, x5, x6, x7), dsum);
        }
    }
    store_tile(r0, t0, a0, a1, a2, a3, a4, a5, a6, a7);
}
