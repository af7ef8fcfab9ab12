//! Every GGUF metadata value type, nested arrays and both format versions
//! read back exactly; the alignment key moves the data section.

use hearth::gguf::{GgmlType, GgufFile, GgufWriter, Value};
use hearth::tensor::Mapped;
use std::path::Path;
use std::sync::Arc;

fn parse(bytes: Vec<u8>) -> GgufFile {
    GgufFile::parse(Path::new("v.gguf"), Arc::new(Mapped::Owned(bytes))).unwrap()
}

fn all_values() -> Vec<(&'static str, Value)> {
    vec![
        ("u8", Value::U8(250)),
        ("i8", Value::I8(-7)),
        ("u16", Value::U16(65_000)),
        ("i16", Value::I16(-30_000)),
        ("u32", Value::U32(4_000_000_000)),
        ("i32", Value::I32(-2_000_000_000)),
        ("f32", Value::F32(1.5e-5)),
        ("bool", Value::Bool(true)),
        ("string", Value::String("héllo ▁wörld".into())),
        ("u64", Value::U64(u64::MAX)),
        ("i64", Value::I64(i64::MIN)),
        ("f64", Value::F64(-2.5e300)),
        ("array.f32", Value::Array(vec![Value::F32(1.0), Value::F32(-2.0)])),
        ("array.empty", Value::Array(vec![])),
        ("array.strings", Value::Array(vec![Value::String("a".into()), Value::String(String::new())])),
        (
            "array.nested",
            Value::Array(vec![Value::Array(vec![Value::I32(1), Value::I32(2)]), Value::Array(vec![Value::I32(3)])]),
        ),
    ]
}

#[test]
fn every_value_type_round_trips_in_v2_and_v3() {
    let mut w = GgufWriter::new();
    for (k, v) in all_values() {
        w.set(k, v);
    }
    w.tensor_f32("t", &[3, 2], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
    let v3 = w.to_bytes();
    // Version 2 has the same layout (64-bit counts and lengths); only the number differs.
    let mut v2 = v3.clone();
    v2[4..8].copy_from_slice(&2u32.to_le_bytes());
    for (version, bytes) in [(3, v3), (2, v2)] {
        let g = parse(bytes);
        assert_eq!(g.version, version);
        for (k, v) in all_values() {
            assert_eq!(g.get(k), Some(&v), "{k}");
        }
        let t = g.tensor("t").unwrap();
        assert_eq!(t.dims, vec![3, 2]);
        assert_eq!(t.to_f32().unwrap(), vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    }
}

#[test]
fn alignment_key_moves_the_data() {
    let mut w = GgufWriter::new();
    w.set("general.alignment", Value::U32(256));
    w.tensor("a", GgmlType::F32, &[1], 7f32.to_le_bytes().to_vec()).unwrap();
    w.tensor("b", GgmlType::F32, &[1], 9f32.to_le_bytes().to_vec()).unwrap();
    let g = parse(w.to_bytes());
    assert_eq!(g.alignment, 256);
    for (name, want) in [("a", 7.0), ("b", 9.0)] {
        let info = g.tensor_info(name).unwrap();
        assert_eq!(info.offset % 256, 0, "{name}");
        assert_eq!(g.tensor(name).unwrap().to_f32().unwrap(), vec![want]);
    }
}
