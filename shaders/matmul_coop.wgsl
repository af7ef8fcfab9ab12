// Prefill product on cooperative matrices (tensor cores, simdgroup
// matrices; `wgpu_cooperative_matrix`), the same contract as matmul.wgsl:
//   out[t * OUT_STRIDE + OUT_BASE + ROW_OFFSET + r] = W[r] · x[t]
//
// A workgroup computes a block of BM = TM·S rows × BN = TN·S tokens as
// TM × TN accumulator tiles (S × S, f32). Per chunk of KC = 32 elements, the
// lanes dequantize the block's weight rows and load its activations into
// workgroup memory as f16, then the tiles multiply: A = weights (rows × k,
// row-major), B = activations (k × tokens, stored token-major, so
// column-major), C += A·B.
//
// Precision: every value v is staged as two halves, hi = v rounded to f16
// and lo = f16((v - hi) · 2^11), and the product is C + D / 2^11 with
// C += Ah·Bh and D += Ah·Bl + Al·Bh. That keeps about 22 bits of each
// operand, so results agree with the f32 kernels to ~1e-6 relative instead
// of f16's ~1e-3 (the contract the logits tests hold every path to). The
// 2^11 keeps lo out of f16's subnormal range, which drivers may flush to
// zero (lavapipe does). Values beyond f16's range (65504) would overflow:
// activations that large do not occur after RMSNorm in the models supported.
//
// Cooperative operations are per subgroup. WG is the adapter's largest
// subgroup size, so each subgroup is full; where a workgroup holds several
// smaller subgroups, each computes the same tiles and only the first stores.

override N: u32;           // row length (elements)
override ROW_WORDS: u32;   // words per row in the GPU layout
override ROWS: u32;        // rows in this binding's chunk
override ROW_OFFSET: u32;  // index of the chunk's first row
override OUT_STRIDE: u32;  // output row stride (the full output width)
override OUT_BASE: u32 = 0u;
override WG: u32 = 32u;    // lanes per workgroup (the largest subgroup size)

const KC: u32 = 32u;       // elements of k staged per chunk
const TM: u32 = 2u;        // row tiles per workgroup (c0*, c1* below)
const TN: u32 = 2u;        // token tiles per workgroup (c*0, c*1 below)
const BM: u32 = TM * S;
const BN: u32 = TN * S;

@group(0) @binding(0) var<uniform> step: Step;
// w (binding 1) and load4 come from dtype_*.wgsl; x (binding 2) and x4 from x_*.wgsl.
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

var<workgroup> w_hi: array<f16, BM * KC>;
var<workgroup> w_lo: array<f16, BM * KC>;
var<workgroup> x_hi: array<f16, BN * KC>;
var<workgroup> x_lo: array<f16, BN * KC>;
var<workgroup> c_out: array<f32, BM * BN>;
var<workgroup> d_out: array<f32, BM * BN>;

const LO_SCALE: f32 = 2048.0;

// v rounded to its leading 11 significant bits, as an f32 that f16 holds
// exactly (0 below f16's normal range, where lo takes all of v). Done on the
// bits because shader compilers may fold f32(f16(v)) back into v (lavapipe
// does), which would leave lo zero.
fn f16_head(v: vec4<f32>) -> vec4<f32> {
    let b = (bitcast<vec4<u32>>(v) + vec4<u32>(0x1000u)) & vec4<u32>(0xFFFFE000u);
    return select(bitcast<vec4<f32>>(b), vec4<f32>(0.0), abs(v) < vec4<f32>(6.103515625e-5));
}

// Four values as hi (column 0) and lo (column 1) halves.
fn halves(v: vec4<f32>) -> mat2x4<f16> {
    let head = f16_head(v);
    return mat2x4<f16>(vec4<f16>(head), vec4<f16>((v - head) * LO_SCALE));
}

// The cross terms of a split product (see the top of the file).
fn cross(ah: Tile_A, al: Tile_A, bh: Tile_B, bl: Tile_B, d: Tile_C) -> Tile_C {
    return coopMultiplyAdd(al, bh, coopMultiplyAdd(ah, bl, d));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(subgroup_size) sg_size: u32) {
    let r0 = wid.x * BM;
    let t0 = wid.y * BN;
    // Rows and tokens past the end repeat the last valid one (reads stay in
    // bounds); their results are not stored.
    let last_row = ROWS - 1u;
    let last_tok = step.tokens - 1u;
    for (var e = lid; e < BM * BN; e += WG) {
        c_out[e] = 0.0;
    }
    workgroupBarrier();
    // The TM × TN = 2 × 2 accumulators (rows i, tokens j), from zeros.
    var c00 = coopLoad<Tile_C>(&c_out[0], BN);
    var c01 = c00;
    var c10 = c00;
    var c11 = c00;
    var d00 = c00;
    var d01 = c00;
    var d10 = c00;
    var d11 = c00;
    let groups = KC / 4u;
    for (var k0 = 0u; k0 < N; k0 += KC) {
        for (var e = lid; e < BM * groups; e += WG) {
            let m = e / groups;
            let g = e % groups;
            var v = vec4<f32>(0.0);
            if (k0 + 4u * g < N) {
                v = load4(row_start(min(r0 + m, last_row)), k0 / 4u + g);
            }
            let h = halves(v);
            for (var j = 0u; j < 4u; j++) {
                w_hi[m * KC + 4u * g + j] = h[0][j];
                w_lo[m * KC + 4u * g + j] = h[1][j];
            }
        }
        for (var e = lid; e < BN * groups; e += WG) {
            let n = e / groups;
            let g = e % groups;
            var v = vec4<f32>(0.0);
            if (k0 + 4u * g < N) {
                v = x4(min(t0 + n, last_tok) * N, k0 + 4u * g);
            }
            let h = halves(v);
            for (var j = 0u; j < 4u; j++) {
                x_hi[n * KC + 4u * g + j] = h[0][j];
                x_lo[n * KC + 4u * g + j] = h[1][j];
            }
        }
        workgroupBarrier();
        for (var kk = 0u; kk < KC; kk += S) {
            let a0h = coopLoadT<Tile_A>(&w_hi[kk], KC);
            let a0l = coopLoadT<Tile_A>(&w_lo[kk], KC);
            let a1h = coopLoadT<Tile_A>(&w_hi[S * KC + kk], KC);
            let a1l = coopLoadT<Tile_A>(&w_lo[S * KC + kk], KC);
            let b0h = coopLoad<Tile_B>(&x_hi[kk], KC);
            let b0l = coopLoad<Tile_B>(&x_lo[kk], KC);
            let b1h = coopLoad<Tile_B>(&x_hi[S * KC + kk], KC);
            let b1l = coopLoad<Tile_B>(&x_lo[S * KC + kk], KC);
            c00 = coopMultiplyAdd(a0h, b0h, c00);
            c01 = coopMultiplyAdd(a0h, b1h, c01);
            c10 = coopMultiplyAdd(a1h, b0h, c10);
            c11 = coopMultiplyAdd(a1h, b1h, c11);
            d00 = cross(a0h, a0l, b0h, b0l, d00);
            d01 = cross(a0h, a0l, b1h, b1l, d01);
            d10 = cross(a1h, a1l, b0h, b0l, d10);
            d11 = cross(a1h, a1l, b1h, b1l, d11);
        }
        workgroupBarrier();
    }
    // Only the first subgroup stores (assuming lanes are numbered subgroup
    // by subgroup, the condition is uniform within each subgroup).
    if (lid / sg_size == 0u) {
        coopStoreT(c00, &c_out[0], BN);
        coopStoreT(c01, &c_out[S], BN);
        coopStoreT(c10, &c_out[S * BN], BN);
        coopStoreT(c11, &c_out[S * BN + S], BN);
        coopStoreT(d00, &d_out[0], BN);
        coopStoreT(d01, &d_out[S], BN);
        coopStoreT(d10, &d_out[S * BN], BN);
        coopStoreT(d11, &d_out[S * BN + S], BN);
    }
    workgroupBarrier();
    for (var e = lid; e < BM * BN; e += WG) {
        let m = e / BN;
        let n = e % BN;
        let r = r0 + m;
        let t = t0 + n;
        if (r < ROWS && t < step.tokens) {
            out[t * OUT_STRIDE + OUT_BASE + ROW_OFFSET + r] = c_out[e] + d_out[e] / LO_SCALE;
        }
    }
}
