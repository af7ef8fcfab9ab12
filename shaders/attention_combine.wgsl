// Decode attention, pass 2 of 2: merge the chunk partials of attention.wgsl
// for query head h (one workgroup each). With M = max_c m_c and weights
// w_c = exp(m_c - M), which rescale every chunk to the common maximum:
//   out[d] = Σ_c w_c · o_c[d] / Σ_c w_c · l_c
// exactly the softmax-weighted sum over all keys. Dims go 4 at a time, which
// keeps each invocation's loop iterations (llvmpipe stops at 65535 in total)
// at about HEAD_DIM / (4 · WG) per chunk.

override HEAD_DIM: u32;
override CHUNK: u32;
override MAX_CHUNKS: u32;

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<storage, read> partials: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

fn chunk_base(h: u32, c: u32) -> u32 {
    return (h * MAX_CHUNKS + c) * (HEAD_DIM + 2u);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let h = wid.x;
    let chunks = (step.pos + CHUNK) / CHUNK;   // ceil((pos + 1) / CHUNK)

    var mx = -1e30;
    for (var c = lid; c < chunks; c += WG) {
        mx = max(mx, partials[chunk_base(h, c) + HEAD_DIM]);
    }
    let m = wg_max(mx, lid);
    var sum = 0.0;
    for (var c = lid; c < chunks; c += WG) {
        let b = chunk_base(h, c);
        sum += exp(partials[b + HEAD_DIM] - m) * partials[b + HEAD_DIM + 1u];
    }
    let inv = 1.0 / wg_sum(sum, lid);

    for (var g = lid; g < (HEAD_DIM + 3u) / 4u; g += WG) {
        let d = 4u * g;
        var acc = vec4<f32>(0.0);
        for (var c = 0u; c < chunks; c++) {
            let b = chunk_base(h, c) + d;
            // Past HEAD_DIM lie this chunk's m and l (or the next chunk): unused.
            let o = vec4<f32>(partials[b], partials[b + 1u], partials[b + 2u], partials[b + 3u]);
            acc += exp(partials[chunk_base(h, c) + HEAD_DIM] - m) * o;
        }
        for (var i = 0u; i < 4u; i++) {
            if (d + i < HEAD_DIM) {
                out[h * HEAD_DIM + d + i] = acc[i] * inv;
            }
        }
    }
}
