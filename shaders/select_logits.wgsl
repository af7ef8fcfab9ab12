// Selection input, first level: the logits themselves; an element's id is its index.

@group(0) @binding(0) var<storage, read> src: array<f32>;

// NaN (tested on the bits, which no float optimisation may assume away)
// counts as -inf: it never wins, and the result is always a real index.
fn elem_value(i: u32) -> f32 {
    let v = src[i];
    return select(v, bitcast<f32>(0xff800000u), (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u);
}

fn elem_id(i: u32) -> u32 {
    return i;
}
