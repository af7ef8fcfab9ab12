// Decode attention, pass 1 of 2 ("flash decoding"): the single query token
// (position step.pos) attends to cache positions 0..=step.pos. That range is
// cut into chunks of CHUNK keys; workgroup (c, h) handles chunk c for query
// head h and writes a partial result that needs no other chunk:
//   m = max_j s_j,  l = Σ_j exp(s_j - m),  o[d] = Σ_j exp(s_j - m) · V[j][d]
// with s_j = q·K[j] · SCALE. attention_combine.wgsl then merges the chunks.
// Splitting the keys gives long contexts many workgroups even with one token,
// and bounds each invocation's loop iterations whatever the context length
// (llvmpipe silently ends a shader after 65535 loop iterations in total).
//
// Layouts: q = [N_HEADS × HEAD_DIM]; caches = [position × KV_STRIDE] with KV
// head g at offset g·HEAD_DIM; query head h reads KV head h / GROUP
// (grouped-query attention). partials = [N_HEADS × MAX_CHUNKS × (HEAD_DIM + 2)]:
// o, then m, then l. Head vectors are walked 4 dims at a time (the last
// group zero-padded when HEAD_DIM is not a multiple of 4).

override N_HEADS: u32;
override HEAD_DIM: u32;
override GROUP: u32;        // query heads per KV head
override KV_STRIDE: u32;    // floats per cache position (n_kv_heads · HEAD_DIM)
override CHUNK: u32;        // keys per workgroup
override MAX_CHUNKS: u32;   // chunks of the longest context (partials' stride)
override SCALE: f32;        // 1 / sqrt(HEAD_DIM)
override GROUPS: u32 = (HEAD_DIM + 3u) / 4u;
override SUBS: u32 = max(1u, WG / GROUPS);   // key subsets of the V pass

@group(0) @binding(0) var<uniform> step: Step;
// q (binding 1) and q4 come from attention_q.wgsl; bindings 2 and 3
// (k_cache, v_cache) and k4/v4 from kv_*.wgsl (the cache element type).
@group(0) @binding(4) var<storage, read_write> partials: array<f32>;

var<workgroup> q_s: array<vec4<f32>, GROUPS>;  // the scaled query, read by every key's dot product
var<workgroup> p_s: array<f32, CHUNK>;          // scores, then their exponentials
var<workgroup> o_s: array<vec4<f32>, WG>;       // the V pass's partial sums

// Dims 4g..4g+3 of the partial at `base`, those below HEAD_DIM.
fn write_dims(base: u32, g: u32, o: vec4<f32>) {
    for (var i = 0u; i < 4u; i++) {
        if (4u * g + i < HEAD_DIM) {
            partials[base + 4u * g + i] = o[i];
        }
    }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let c = wid.x;
    let h = wid.y;
    let n = step.pos + 1u;             // keys this query sees
    let k0 = c * CHUNK;
    if (k0 >= n) {
        return;                        // uniform: the host may round the chunk count up
    }
    let len = min(CHUNK, n - k0);
    let kv = (h / GROUP) * HEAD_DIM;

    for (var g = lid; g < GROUPS; g += WG) {
        q_s[g] = q4(h * HEAD_DIM, g) * SCALE;
    }
    workgroupBarrier();

    // One key per invocation at a time: a whole dot product each, so the
    // reductions below run once per chunk rather than once per key.
    var mx = -1e30;
    for (var j = lid; j < len; j += WG) {
        let kb = (k0 + j) * KV_STRIDE + kv;
        var s = 0.0;
        for (var g = 0u; g < GROUPS; g++) {
            s += dot(q_s[g], k4(kb, g));
        }
        p_s[j] = s;
        mx = max(mx, s);
    }
    let m = wg_max(mx, lid);
    var sum = 0.0;
    for (var j = lid; j < len; j += WG) {
        let p = exp(p_s[j] - m);
        p_s[j] = p;
        sum += p;
    }
    let l = wg_sum(sum, lid);
    // Every invocation reads every p below, and wg_sum need not contain a
    // barrier (it has none when it is a single-instruction reduction).
    workgroupBarrier();

    // Four output dims per invocation, neighbouring invocations on
    // neighbouring V values. When the workgroup has more invocations than the
    // head has groups of 4 dims, the keys are split too (invocation i takes
    // dims g = i mod GROUPS of keys i / GROUPS, i / GROUPS + SUBS, …) and the
    // SUBS partial sums are added through workgroup memory: on a GPU one
    // invocation walking all CHUNK keys alone is a chain of dependent loads.
    let base = (h * MAX_CHUNKS + c) * (HEAD_DIM + 2u);
    if (GROUPS <= WG) {
        let g = lid % GROUPS;
        let sub = lid / GROUPS;
        var acc = vec4<f32>(0.0);
        if (sub < SUBS) {
            for (var j = sub; j < len; j += SUBS) {
                acc += p_s[j] * v4((k0 + j) * KV_STRIDE + kv, g);
            }
        }
        o_s[lid] = acc;
        workgroupBarrier();
        if (lid < GROUPS) {
            var o = vec4<f32>(0.0);
            for (var s = 0u; s < SUBS; s++) {
                o += o_s[s * GROUPS + lid];
            }
            write_dims(base, lid, o);
        }
    } else {
        for (var g = lid; g < GROUPS; g += WG) {
            var acc = vec4<f32>(0.0);
            for (var j = 0u; j < len; j++) {
                acc += p_s[j] * v4((k0 + j) * KV_STRIDE + kv, g);
            }
            write_dims(base, g, acc);
        }
    }
    if (lid == 0u) {
        partials[base + HEAD_DIM] = m;
        partials[base + HEAD_DIM + 1u] = l;
    }
}
