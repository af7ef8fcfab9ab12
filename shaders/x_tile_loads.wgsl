// The x tile of one matmul step: elements i..i+3 of the 8 tokens whose rows
// start at tk[0..8], as two mat4x4 whose columns are tokens. Every lane loads
// all eight (GPUs serve these shared reads from the L1 cache).

struct XTile {
    a: mat4x4<f32>,   // tokens 0..3
    b: mat4x4<f32>,   // tokens 4..7
}

fn x_tile(tk: array<u32, 8>, own: u32, i: u32) -> XTile {
    return XTile(
        mat4x4<f32>(x4(tk[0], i), x4(tk[1], i), x4(tk[2], i), x4(tk[3], i)),
        mat4x4<f32>(x4(tk[4], i), x4(tk[5], i), x4(tk[6], i), x4(tk[7], i)),
    );
}
