// Activation blocks 2p and 2p + 1 for the four-rows step against 8-bit
// activations (dot_rows4_q8.wgsl), loaded by every lane itself: GPUs, the
// plain variant, and CPU adapters with fewer than six lanes.
// x_q8_pair_shared.wgsl is the same function for lavapipe's lanes.

struct XqPair {
    a: XqBlock,
    b: XqBlock,
}

fn xq_pair(p: u32) -> XqPair {
    return XqPair(xq_block(2u * p), xq_block(2u * p + 1u));
}
