// What follows the Q/K/V product, in one dispatch: each token's product row
// [q | k | v] (Q_DIM + 2 KV_DIM values) gets its bias (Qwen2), q and k their
// rotary embedding at position step.pos + t, and then q goes to the
// attention's input while k and v are stored into the KV cache at that
// position. This replaces three bias adds, two RoPE passes and two stores.
//
// One invocation per two neighbouring values of one part (q, k or v): each
// output value is computed from the read-only product alone (the RoPE partner
// is read, never written, by the invocation that needs it), so no invocation
// reads what another writes, and an f16 cache is written in whole words.
//
// RoPE: only the first 2 * HALF dims of each head are rotated (partial RoPE
// leaves the rest). NEOX selects the pairing: false = (2i, 2i + 1) (GGUF
// `llama`, whose converter interleaves HF's halves), true = (i, i + HALF)
// ("rotate half"). The angle is f32(pos) * inv_freq[i] in f32, as llama.cpp
// computes it; the per-pair inverse frequencies (θ^(-2i/d) with any scaling)
// come from the host.

override N_HEADS: u32;
override N_KV_HEADS: u32;
override HEAD_DIM: u32;
override HALF: u32;        // rope_dim / 2: rotated pairs per head
override NEOX: bool;
override HAS_BIAS: bool;

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<storage, read> inv_freq: array<f32>;
@group(0) @binding(2) var<storage, read> qkv: array<f32>;
// Without a bias the host binds the product here too; it is never read.
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> q: array<f32>;
// k_cache (5), v_cache (6), put_k and put_v come from kv_write_<type>.wgsl.

fn q_dim() -> u32 {
    return N_HEADS * HEAD_DIM;
}

fn kv_dim() -> u32 {
    return N_KV_HEADS * HEAD_DIM;
}

// Value e of the part that starts at `start` in the product row `row`, biased.
fn raw(row: u32, start: u32, e: u32) -> f32 {
    var v = qkv[row + start + e];
    if (HAS_BIAS) {
        v += bias[start + e];
    }
    return v;
}

// Value e of q or k (the part at `start`) after RoPE at position p.
fn roped(row: u32, start: u32, e: u32, p: u32) -> f32 {
    let x = raw(row, start, e);
    let d = e % HEAD_DIM;
    if (d >= 2u * HALF) {
        return x;
    }
    // `first`: x is the pair's first value x0 (→ x0 c - x1 s), else its
    // second x1 (→ x0 s + x1 c).
    var first: bool;
    var pair: u32;
    var partner: u32;
    if (NEOX) {
        first = d < HALF;
        pair = select(d - HALF, d, first);
        partner = select(e - HALF, e + HALF, first);
    } else {
        first = d % 2u == 0u;
        pair = d / 2u;
        partner = select(e - 1u, e + 1u, first);
    }
    let y = raw(row, start, partner);
    let angle = f32(p) * inv_freq[pair];
    let c = cos(angle);
    let s = sin(angle);
    return select(y * s + x * c, x * c - y * s, first);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 64u;
    let q_units = (q_dim() + 1u) / 2u;
    let kv_units = (kv_dim() + 1u) / 2u;
    let per_token = q_units + 2u * kv_units;
    if (i >= step.tokens * per_token) {
        return;
    }
    let t = i / per_token;
    let u = i % per_token;
    let row = t * (q_dim() + 2u * kv_dim());
    let p = step.pos + t;
    if (u < q_units) {
        let e = 2u * u;
        q[t * q_dim() + e] = roped(row, 0u, e, p);
        if (e + 1u < q_dim()) {
            q[t * q_dim() + e + 1u] = roped(row, 0u, e + 1u, p);
        }
        return;
    }
    let is_v = u >= q_units + kv_units;
    let e = 2u * (u - select(q_units, q_units + kv_units, is_v));
    // An odd KV_DIM (f32 cache only) leaves the last unit one value.
    let two = e + 1u < kv_dim();
    let e1 = select(e, e + 1u, two);
    let at = p * kv_dim() + e;
    if (is_v) {
        let start = q_dim() + kv_dim();
        put_v(at, raw(row, start, e), raw(row, start, e1), two);
    } else {
        put_k(at, roped(row, q_dim(), e, p), roped(row, q_dim(), e1, p), two);
    }
}
