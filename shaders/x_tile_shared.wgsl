// The x tile of one matmul step (as x_tile_loads.wgsl), for CPU adapters
// whose workgroup is one subgroup of at least 8 lanes: lane j loads only its
// own token's vec4 (`own`, token j % 8) and the tile is assembled with
// subgroupBroadcast. lavapipe runs every storage load lane by lane, even
// when all lanes read one address, so eight shared loads cost eight times
// one; a broadcast from a constant lane is one extract and one splat.

struct XTile {
    a: mat4x4<f32>,   // tokens 0..3
    b: mat4x4<f32>,   // tokens 4..7
}

fn x_tile(tk: array<u32, 8>, own: u32, i: u32) -> XTile {
    let v = x4(own, i);
    return XTile(
        mat4x4<f32>(subgroupBroadcast(v, 0u), subgroupBroadcast(v, 1u), subgroupBroadcast(v, 2u),
                    subgroupBroadcast(v, 3u)),
        mat4x4<f32>(subgroupBroadcast(v, 4u), subgroupBroadcast(v, 5u), subgroupBroadcast(v, 6u),
                    subgroupBroadcast(v, 7u)),
    );
}
