//! Hugging Face folders: sharded checkpoints (`model.safetensors.index.json`),
//! F16/BF16 tensors, and malformed safetensors headers.

use hearth::model::CpuState;
use hearth::{Error, Model, ModelSource};
use hearth_tests::{fixtures, read_json, shared_models};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A parsed safetensors file: name → (dtype, shape, bytes).
type Tensors = BTreeMap<String, (String, Vec<u64>, Vec<u8>)>;

fn read_safetensors(path: &Path) -> Tensors {
    let bytes = std::fs::read(path).unwrap();
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    let data = &bytes[8 + n..];
    let mut out = Tensors::new();
    for (name, info) in header.as_object().unwrap() {
        if name == "__metadata__" {
            continue;
        }
        let off: Vec<usize> =
            info["data_offsets"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
        let shape = info["shape"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
        out.insert(name.clone(), (info["dtype"].as_str().unwrap().into(), shape, data[off[0]..off[1]].to_vec()));
    }
    out
}

fn write_safetensors(path: &Path, tensors: &Tensors) {
    let mut header = serde_json::Map::new();
    let mut data = Vec::new();
    for (name, (dtype, shape, bytes)) in tensors {
        header.insert(
            name.clone(),
            json!({"dtype": dtype, "shape": shape, "data_offsets": [data.len(), data.len() + bytes.len()]}),
        );
        data.extend_from_slice(bytes);
    }
    let mut h = serde_json::to_vec(&header).unwrap();
    h.resize(h.len().div_ceil(8) * 8, b' ');
    let mut out = (h.len() as u64).to_le_bytes().to_vec();
    out.extend(h);
    out.extend(data);
    std::fs::write(path, out).unwrap();
}

/// Convert an F32 tensor to F16 or BF16.
fn convert(t: &(String, Vec<u64>, Vec<u8>), dtype: &str) -> (String, Vec<u64>, Vec<u8>) {
    let bytes = t.2.chunks_exact(4).flat_map(|c| {
        let v = f32::from_le_bytes(c.try_into().unwrap());
        if dtype == "F16" {
            half::f16::from_f32(v).to_le_bytes()
        } else {
            half::bf16::from_f32(v).to_le_bytes()
        }
    });
    (dtype.into(), t.1.clone(), bytes.collect())
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("hearth-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn logits(dir: &Path, tokens: &[u32]) -> Vec<Vec<f32>> {
    let model = Model::load(&ModelSource::open(dir).unwrap()).unwrap();
    let mut state = CpuState::new(&model, tokens.len());
    model.forward_all(&mut state, tokens, 0).unwrap()
}

#[test]
fn sharded_f16_and_bf16_checkpoints_load_and_agree() {
    let src = fixtures().join("tiny/llama-tiny/hf");
    let reference = read_json(&fixtures().join("tiny/llama-tiny/reference.json"));
    let tokens: Vec<u32> = reference["tokens"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as u32).collect();
    let all = read_safetensors(&src.join("model.safetensors"));
    for (variant, dtypes) in [("sharded-f32", ["F32", "F32"]), ("sharded-f16-bf16", ["F16", "BF16"])] {
        let dir = temp_dir(variant);
        std::fs::copy(src.join("config.json"), dir.join("config.json")).unwrap();
        let mut shards = [Tensors::new(), Tensors::new()];
        let mut weight_map = serde_json::Map::new();
        for (i, (name, t)) in all.iter().enumerate() {
            let s = i % 2;
            let file = format!("model-0000{}-of-00002.safetensors", s + 1);
            shards[s].insert(name.clone(), if dtypes[s] == "F32" { t.clone() } else { convert(t, dtypes[s]) });
            weight_map.insert(name.clone(), json!(file));
        }
        for (s, shard) in shards.iter().enumerate() {
            write_safetensors(&dir.join(format!("model-0000{}-of-00002.safetensors", s + 1)), shard);
        }
        let index = json!({"metadata": {}, "weight_map": weight_map});
        std::fs::write(dir.join("model.safetensors.index.json"), index.to_string()).unwrap();
        let got = logits(&dir, &tokens);
        let want = logits(&src, &tokens);
        let max = got.iter().flatten().zip(want.iter().flatten()).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
        // Identical weights → identical logits; F16/BF16 rounding of half the
        // weights moves O(1) logits by at most a few 1e-2.
        let tol = if variant == "sharded-f32" { 0.0 } else { 0.1 };
        assert!(max <= tol, "{variant}: max-abs {max}");
        std::fs::remove_dir_all(&dir).ok();
    }
}

fn open_err(dir: &Path) -> Error {
    ModelSource::open(dir).and_then(|s| Model::load(&s)).unwrap_err()
}

#[test]
fn malformed_safetensors_give_typed_errors() {
    let src = fixtures().join("tiny/llama-tiny/hf");
    let good = std::fs::read(src.join("model.safetensors")).unwrap();
    let n = u64::from_le_bytes(good[..8].try_into().unwrap()) as usize;
    let with_header = |h: &[u8], data: &[u8]| {
        let mut out = (h.len() as u64).to_le_bytes().to_vec();
        out.extend_from_slice(h);
        out.extend_from_slice(data);
        out
    };
    let t = read_safetensors(&src.join("model.safetensors"));
    let (name, (_, shape, bytes)) = t.iter().next().unwrap();
    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        ("header length past the end", {
            let mut b = good.clone();
            b[..8].copy_from_slice(&(1u64 << 40).to_le_bytes());
            b
        }),
        ("header length larger than file", {
            let mut b = good.clone();
            b[..8].copy_from_slice(&((good.len() as u64) + 1).to_le_bytes());
            b
        }),
        ("non-UTF-8 header", with_header(&[0xff, 0xfe, 0xfd, 0x7b], &good[8 + n..])),
        ("non-JSON header", with_header(b"{not json", &good[8 + n..])),
        ("truncated data", good[..good.len() - 5].to_vec()),
        ("empty file", Vec::new()),
    ];
    // Offsets out of order, overlapping, and shape × dtype not matching the range.
    let one = |offsets: [usize; 2], shape: &[u64], data_len: usize| {
        let h = json!({ name.as_str(): {"dtype": "F32", "shape": shape, "data_offsets": offsets} }).to_string();
        with_header(h.as_bytes(), &bytes[..data_len.min(bytes.len())])
    };
    let len = bytes.len();
    cases.push(("offsets out of order", one([4, len], shape, len)));
    cases.push(("shape does not match byte range", one([0, len], &[shape[0], shape[1] + 1], len)));
    let two = json!({
        "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
        "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]},
    });
    cases.push(("overlapping tensors", with_header(two.to_string().as_bytes(), &[0u8; 12])));
    for (what, bytes) in cases {
        let dir = temp_dir("bad-st");
        std::fs::copy(src.join("config.json"), dir.join("config.json")).unwrap();
        std::fs::write(dir.join("model.safetensors"), bytes).unwrap();
        let e = open_err(&dir);
        assert!(matches!(e, Error::BadSafetensors { .. } | Error::Io { .. }), "{what}: {e}");
        std::fs::remove_dir_all(&dir).ok();
    }
    // Missing and broken config.json.
    let dir = temp_dir("bad-config");
    std::fs::copy(src.join("model.safetensors"), dir.join("model.safetensors")).unwrap();
    assert!(matches!(open_err(&dir), Error::Io { .. }));
    std::fs::write(dir.join("config.json"), "{\"hidden_size\": ").unwrap();
    assert!(matches!(open_err(&dir), Error::BadConfig { .. }));
    std::fs::write(dir.join("config.json"), "{\"model_type\": \"llama\", \"hidden_size\": 64}").unwrap();
    assert!(matches!(open_err(&dir), Error::BadConfig { .. }));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn truncations_of_the_real_hf_folder_fail_cleanly() {
    let Some(models) = shared_models() else { return };
    let src = models.join("stories260K/hf");
    let good = std::fs::read(src.join("model.safetensors")).unwrap();
    let dir = temp_dir("trunc-st");
    std::fs::copy(src.join("config.json"), dir.join("config.json")).unwrap();
    for cut in (0..good.len()).step_by(good.len() / 97 + 1) {
        std::fs::write(dir.join("model.safetensors"), &good[..cut]).unwrap();
        let e = open_err(&dir);
        assert!(matches!(e, Error::BadSafetensors { .. }), "cut at {cut}: {e}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
