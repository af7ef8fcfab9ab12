//! Session state files: the KV cache, its token ids and the model they belong
//! to, so an app suspended on a phone resumes without prefilling again.
//!
//! Layout (little-endian): magic `HEARTHKV`, u32 version, u64 length + UTF-8
//! fingerprint, u64 token count n, n × u32 token ids, u64 value count, the
//! KV values as f32 (per layer: K then V, n × kv_dim each).

use crate::error::{Error, Result};
use crate::model::Model;
use crate::source::ModelSource;
use std::io::{Read, Write};
use std::path::Path;

const MAGIC: &[u8; 8] = b"HEARTHKV";
const VERSION: u32 = 1;

/// Identifies a model: name, size, shape and a hash of the file's first and
/// last MiB (header and tail), cheap to compute and different for different
/// quantizations or fine-tunes of the same shape.
pub(crate) fn fingerprint(src: &ModelSource, model: &Model) -> String {
    let c = &model.config;
    let name = src.path().file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let hash = match src {
        ModelSource::Gguf(g) => hash_ends(g.path()),
        ModelSource::Hf(h) => hash_ends(&h.dir().join("config.json")) ^ model.weights.token_embd.bytes().len() as u64,
    };
    format!("{name}|{}|{:?}|{}x{}x{}|{hash:016x}", src.file_size(), c.arch, c.n_layers, c.dim, c.vocab_size)
}

fn hash_ends(path: &Path) -> u64 {
    use std::io::{Seek, SeekFrom};
    const MIB: u64 = 1 << 20;
    let read = || -> std::io::Result<Vec<u8>> {
        let mut f = std::fs::File::open(path)?;
        let len = f.metadata()?.len();
        let mut head = Vec::new();
        (&mut f).take(MIB).read_to_end(&mut head)?;
        if len > 2 * MIB {
            f.seek(SeekFrom::Start(len - MIB))?;
        }
        f.read_to_end(&mut head)?;
        Ok(head)
    };
    read().map_or(0, |bytes| {
        bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
    })
}

/// Write a state file.
pub(crate) fn save(path: &Path, fingerprint: &str, tokens: &[u32], kv: &[f32]) -> Result<()> {
    let io = |source| Error::Io { path: path.into(), source };
    let mut out = Vec::with_capacity(32 + fingerprint.len() + tokens.len() * 4 + kv.len() * 4);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&(fingerprint.len() as u64).to_le_bytes());
    out.extend_from_slice(fingerprint.as_bytes());
    out.extend_from_slice(&(tokens.len() as u64).to_le_bytes());
    out.extend(tokens.iter().flat_map(|t| t.to_le_bytes()));
    out.extend_from_slice(&(kv.len() as u64).to_le_bytes());
    out.extend(kv.iter().flat_map(|v| v.to_le_bytes()));
    let mut f = std::fs::File::create(path).map_err(io)?;
    f.write_all(&out).map_err(io)
}

/// Read a state file written for the model with `expected` fingerprint.
pub(crate) fn load(path: &Path, expected: &str, kv_per_token: usize) -> Result<(Vec<u32>, Vec<f32>)> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(|source| Error::Io { path: path.into(), source })?;
    let bad = |reason: &str| Error::BadStateFile { path: path.into(), reason: reason.into() };
    let mut at = 0usize;
    let mut take = |n: usize| -> Result<&[u8]> {
        let end = at.checked_add(n).filter(|&e| e <= bytes.len()).ok_or_else(|| bad("truncated"))?;
        let s = &bytes[at..end];
        at = end;
        Ok(s)
    };
    if take(8)? != MAGIC {
        return Err(bad("bad magic"));
    }
    let u32_at = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    let u64_at = |b: &[u8]| u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
    if u32_at(take(4)?) != VERSION {
        return Err(bad("unsupported version"));
    }
    let n = usize::try_from(u64_at(take(8)?)).map_err(|_| bad("length"))?;
    let found = String::from_utf8(take(n)?.to_vec()).map_err(|_| bad("fingerprint is not UTF-8"))?;
    if found != expected {
        return Err(Error::StateMismatch { path: path.into(), expected: expected.into(), found });
    }
    let n = usize::try_from(u64_at(take(8)?)).map_err(|_| bad("token count"))?;
    let tokens: Vec<u32> =
        take(n.checked_mul(4).ok_or_else(|| bad("token count"))?)?.chunks_exact(4).map(u32_at).collect();
    let m = usize::try_from(u64_at(take(8)?)).map_err(|_| bad("value count"))?;
    if m != n.saturating_mul(kv_per_token) {
        return Err(bad("KV size does not match the token count"));
    }
    let kv = take(m.checked_mul(4).ok_or_else(|| bad("value count"))?)?
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Ok((tokens, kv))
}
