//! The committed malformed-file corpus (tests/fixtures/malformed, written by
//! scripts/fixtures/gen_malformed.py): every file goes through the load path
//! an app uses and must give the error variant its manifest names, with a
//! message naming the problem, quickly, without a panic, and without
//! allocating more than twice the file size plus 16 MiB.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// The counting allocator below is the only unsafe code: it forwards to the
// system allocator and adds bookkeeping.
#![allow(unsafe_code)]

use hearth::{load_tokenizer, Error, Model, ModelSource};
use hearth_tests::{fixtures, read_json};
use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The bound for every malformed file.
const TIME_BOUND: Duration = Duration::from_millis(50);

/// Counts live heap bytes and the peak since the last reset.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(n: usize) {
    let now = LIVE.fetch_add(n, Ordering::Relaxed) + n;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call forwards to `System` unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Runs `f` and returns its result with the peak heap growth it caused.
fn measure<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

/// The variant's name: the identifier `Debug` prints first.
fn variant(e: &Error) -> String {
    format!("{e:?}").chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()
}

fn run_stage(stage: &str, path: &Path) -> hearth::Result<()> {
    let src = ModelSource::open(path)?;
    match stage {
        "open" => Ok(()),
        "model" => Model::load(&src).map(drop),
        "tokenizer" => load_tokenizer(&src, None).map(drop),
        other => panic!("unknown stage {other:?} in the manifest"),
    }
}

fn size_on_disk(path: &Path) -> u64 {
    if path.is_dir() {
        std::fs::read_dir(path).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).sum()
    } else {
        std::fs::metadata(path).unwrap().len()
    }
}

#[test]
fn every_malformed_file_gives_its_typed_error() {
    let dir = fixtures().join("malformed");
    let manifest = read_json(&dir.join("manifest.json"));
    let cases = manifest["cases"].as_array().unwrap();
    let malformed = cases.iter().filter(|c| c["expect"] != "Ok").count();
    assert!(malformed >= 40, "only {malformed} malformed cases");
    // Warm up once so that lazily built tables (regexes, byte maps) are not
    // charged to the first case.
    let _ = run_stage("tokenizer", &dir.join("gguf/valid_tiny_llama_vocab.gguf"));

    let mut failures = Vec::new();
    let mut slowest = (Duration::ZERO, String::new());
    let mut most_heap = (0usize, String::new());
    for case in cases {
        let rel = case["path"].as_str().unwrap();
        let (stage, expect) = (case["stage"].as_str().unwrap(), case["expect"].as_str().unwrap());
        let mentions = case["mentions"].as_str().unwrap_or("");
        let path = dir.join(rel);
        let t0 = Instant::now();
        let (result, peak) = measure(|| std::panic::catch_unwind(|| run_stage(stage, &path)));
        let mut took = t0.elapsed();
        if took > TIME_BOUND {
            // On a loaded 2-core CI machine a thread can lose the CPU for a
            // while; the bound applies to the better of two attempts.
            let t1 = Instant::now();
            let _ = std::panic::catch_unwind(|| run_stage(stage, &path));
            took = took.min(t1.elapsed());
        }
        if took > slowest.0 {
            slowest = (took, rel.to_owned());
        }
        if peak > most_heap.0 {
            most_heap = (peak, rel.to_owned());
        }
        let got = match &result {
            Err(_) => "panic".to_owned(),
            Ok(Ok(())) => "Ok".to_owned(),
            Ok(Err(e)) => variant(e),
        };
        let message = match &result {
            Ok(Err(e)) => e.to_string(),
            _ => String::new(),
        };
        let limit = 2 * size_on_disk(&path) as usize + (16 << 20);
        if got != expect {
            failures.push(format!("{rel}: expected {expect}, got {got}: {message}"));
        } else if !message.contains(mentions) {
            failures.push(format!("{rel}: message does not mention {mentions:?}: {message}"));
        }
        if took > TIME_BOUND {
            failures.push(format!("{rel}: took {took:?} (limit {TIME_BOUND:?})"));
        }
        if peak > limit {
            failures.push(format!("{rel}: peak heap {peak} bytes (limit {limit})"));
        }
    }
    eprintln!(
        "{} cases; slowest {:?} ({}); most heap {} bytes ({})",
        cases.len(),
        slowest.0,
        slowest.1,
        most_heap.0,
        most_heap.1
    );
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}
