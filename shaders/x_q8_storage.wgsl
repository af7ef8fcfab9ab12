// Quantized activations (binding 2) from storage; accessors in x_q8.wgsl.

@group(0) @binding(2) var<storage, read> xq: array<vec4<u32>>;
