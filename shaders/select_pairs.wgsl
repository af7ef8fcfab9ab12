// Selection input, later levels: the (id, value bits) pairs a previous level wrote.

@group(0) @binding(0) var<storage, read> src: array<u32>;

fn elem_value(i: u32) -> f32 {
    return bitcast<f32>(src[2u * i + 1u]);
}

fn elem_id(i: u32) -> u32 {
    return src[2u * i];
}
