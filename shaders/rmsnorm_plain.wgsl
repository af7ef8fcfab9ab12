// RMSNorm's plain variant: nothing after the norm (rmsnorm_q8.wgsl is the
// quantizing one).

fn after_norm(base: u32, last: bool, lid: u32) {}
