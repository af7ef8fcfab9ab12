// Shared by every kernel: the per-call values the host writes once per forward
// call (so bind groups and pipelines are reused across steps).
struct Step {
    tokens: u32,   // tokens in this call (1 for a decode step)
    pos: u32,      // position of the first token
    kv_len: u32,   // positions in the KV cache after this call (pos + tokens)
    pad: u32,
}
