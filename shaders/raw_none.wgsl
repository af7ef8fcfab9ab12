// Types whose matrix-matrix product loads each group on its own
// (load4_scaled): no raw run is read ahead (see dtype_q4_0.wgsl for the
// types that do). Appended to their dtype snippets.

alias Raw = u32;
const RAW_RUNS: bool = false;

fn load_raw(row_word: u32, g: u32) -> Raw {
    return 0u;
}

fn raw_group(raw: Raw, row_word: u32, g: u32, s: vec2<f32>) -> vec4<f32> {
    return load4_scaled(row_word, g, s);
}
