// The activation blocks a product against 8-bit activations takes at a
// time (dot_*_q8.wgsl, dot_rows4_q8.wgsl), loaded by every lane itself:
// GPUs, the plain variant, and CPU adapters with fewer than six lanes.
// x_q8_pair_shared.wgsl has the same functions for lavapipe's lanes.

struct XqPair {
    a: XqBlock,
    b: XqBlock,
}

// Blocks 2p and 2p + 1.
fn xq_pair(p: u32) -> XqPair {
    return XqPair(xq_block(2u * p), xq_block(2u * p + 1u));
}

// Block u.
fn xq_one(u: u32) -> XqBlock {
    return xq_block(u);
}
