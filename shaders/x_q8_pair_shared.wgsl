// The activation blocks a product against 8-bit activations takes at a
// time (dot_*_q8.wgsl, dot_rows4_q8.wgsl), on CPU adapters whose workgroup
// is one subgroup of at least six lanes, all of them calling in step (the
// lane-rows loops of matvec.wgsl): lane i (`lane`, set by matvec.wgsl)
// loads vec4 i of the blocks and subgroupBroadcast shares them. All lanes
// want the same x, but Mesa 22.3's lavapipe makes a uniform-buffer load
// whose index depends on the loop counter a bounds-checked gather per lane
// (BENCHMARKS.md, session 14): three per block, where one gather and three
// broadcasts (an extract and a splat each) do (session 15). Lanes past the
// last vec4 load the last.

struct XqPair {
    a: XqBlock,
    b: XqBlock,
}

// Blocks 2p and 2p + 1.
fn xq_pair(p: u32) -> XqPair {
    let v = xq[6u * p + min(lane, 5u)];
    return XqPair(XqBlock(subgroupBroadcast(v, 0u), subgroupBroadcast(v, 1u), subgroupBroadcast(v, 2u)),
                  XqBlock(subgroupBroadcast(v, 3u), subgroupBroadcast(v, 4u), subgroupBroadcast(v, 5u)));
}

// Block u.
fn xq_one(u: u32) -> XqBlock {
    let v = xq[3u * u + min(lane, 2u)];
    return XqBlock(subgroupBroadcast(v, 0u), subgroupBroadcast(v, 1u), subgroupBroadcast(v, 2u));
}
