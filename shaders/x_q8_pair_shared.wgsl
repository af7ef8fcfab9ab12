// Activation blocks 2p and 2p + 1 for the four-rows step against 8-bit
// activations (dot_rows4_q8.wgsl), on CPU adapters whose workgroup is one
// subgroup of at least six lanes: lane i (`lane`, set by matvec.wgsl)
// loads the pair's vec4 i and the six are shared by subgroupBroadcast. All
// lanes want the same x, but Mesa 22.3's lavapipe makes a uniform-buffer
// load whose index depends on the loop counter a bounds-checked gather per
// lane (BENCHMARKS.md, session 14): six of them per pair, where one gather
// and six broadcasts (an extract and a splat each) do (session 15: 7-10 %
// less time for Q4_0's products). Lanes past the sixth load the sixth.

struct XqPair {
    a: XqBlock,
    b: XqBlock,
}

fn xq_pair(p: u32) -> XqPair {
    let v = xq[6u * p + min(lane, 5u)];
    return XqPair(XqBlock(subgroupBroadcast(v, 0u), subgroupBroadcast(v, 1u), subgroupBroadcast(v, 2u)),
                  XqBlock(subgroupBroadcast(v, 3u), subgroupBroadcast(v, 4u), subgroupBroadcast(v, 5u)));
}
