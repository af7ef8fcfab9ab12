// Quantized activations (binding 2) in a uniform binding, for CPU adapters,
// where every lane reads the same x at the same time and a uniform load is
// one plain load and a broadcast (see x_uniform.wgsl); accessors in
// x_q8.wgsl. XQ_VEC4S (3 per block) is set by the define step: a uniform
// array needs a constant size.

@group(0) @binding(2) var<uniform> xq: array<vec4<u32>, XQ_VEC4S>;
