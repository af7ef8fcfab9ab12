//! `hearth::sampling` against a deliberately plain reference written here: the same chain
//! (bias, penalties, greedy, top-k, top-p, min-p, then softmax with temperature: llama.cpp's order)
//! in the most direct code, giving the final probability of every token in the vocabulary.

use hearth::model::cpu::argmax;
use hearth::sampling::{Sampler, SamplingOptions, MAX_GPU_CANDIDATES};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

const DRAWS: usize = 20_000;

/// The final probability of each token, computed step by step over the whole vocabulary.
fn reference(logits: &[f32], history: &[u32], o: &SamplingOptions) -> Vec<f64> {
    let n = logits.len();
    let mut l = logits.to_vec();
    for &(id, b) in &o.logit_bias {
        l[id as usize] += b;
    }
    let window = &history[history.len().saturating_sub(o.penalty_last_n)..];
    for (t, x) in l.iter_mut().enumerate() {
        let count = window.iter().filter(|&&h| h as usize == t).count();
        if count > 0 {
            let r = if *x > 0.0 { *x / o.repeat_penalty } else { *x * o.repeat_penalty };
            *x = r - (count as f32 * o.frequency_penalty + o.presence_penalty);
        }
    }
    let mut p = vec![0.0; n];
    if o.temperature == 0.0 {
        p[argmax(&l) as usize] = 1.0;
        return p;
    }
    // Tokens by logit, highest first, lower id on ties; banned ones are not candidates.
    let mut order: Vec<usize> = (0..n).filter(|&t| l[t] > f32::NEG_INFINITY).collect();
    order.sort_by(|&a, &b| l[b].partial_cmp(&l[a]).unwrap().then(a.cmp(&b)));
    if o.top_k > 0 {
        order.truncate(o.top_k);
    }
    // llama.cpp's order: top-p and min-p on temperature-1 probabilities, then temperature.
    let max = l[order[0]] as f64;
    let sum1: f64 = order.iter().map(|&t| (l[t] as f64 - max).exp()).sum();
    let p1 = |t: usize| (l[t] as f64 - max).exp() / sum1;
    let mut keep = order.len();
    if o.top_p < 1.0 {
        let mut cum = 0.0;
        for (i, &t) in order.iter().enumerate() {
            cum += p1(t);
            if cum >= o.top_p as f64 {
                keep = i + 1;
                break;
            }
        }
    }
    let p1_max = p1(order[0]);
    let survivors: Vec<usize> = order[..keep].iter().copied().filter(|&t| p1(t) >= o.min_p as f64 * p1_max).collect();
    for &t in &survivors {
        p[t] = ((l[t] as f64 - max) / o.temperature as f64).exp();
    }
    let total: f64 = p.iter().sum();
    p.iter().map(|x| x / total).collect()
}

fn fixed_logits(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n).map(|_| rng.gen_range(-3.0..3.0)).collect()
}

/// Tokens 0..50 sorted by logit, so the cases below can name "the best token" etc.
fn ranked(logits: &[f32]) -> Vec<u32> {
    let mut ids: Vec<u32> = (0..logits.len() as u32).collect();
    ids.sort_by(|&a, &b| logits[b as usize].partial_cmp(&logits[a as usize]).unwrap().then(a.cmp(&b)));
    ids
}

/// Each option alone, then combined, on the 50-token logits.
fn cases(logits: &[f32]) -> Vec<(&'static str, SamplingOptions)> {
    let r = ranked(logits);
    let off = SamplingOptions { temperature: 1.0, top_k: 0, top_p: 1.0, min_p: 0.0, ..SamplingOptions::default() };
    let with = |f: &dyn Fn(&mut SamplingOptions)| {
        let mut o = off.clone();
        f(&mut o);
        o
    };
    vec![
        ("plain softmax", off.clone()),
        ("temperature 0.5", with(&|o| o.temperature = 0.5)),
        ("temperature 2", with(&|o| o.temperature = 2.0)),
        ("greedy", SamplingOptions::greedy()),
        ("top_k 1", with(&|o| o.top_k = 1)),
        ("top_k 7", with(&|o| o.top_k = 7)),
        ("top_k 100", with(&|o| o.top_k = 100)),
        ("top_p 0.5", with(&|o| o.top_p = 0.5)),
        ("top_p 0.9", with(&|o| o.top_p = 0.9)),
        ("min_p 0.1", with(&|o| o.min_p = 0.1)),
        ("min_p 0.4", with(&|o| o.min_p = 0.4)),
        ("repeat_penalty 1.5", with(&|o| o.repeat_penalty = 1.5)),
        ("repeat_penalty 0.7", with(&|o| o.repeat_penalty = 0.7)),
        ("frequency_penalty 0.4", with(&|o| o.frequency_penalty = 0.4)),
        ("presence_penalty 1", with(&|o| o.presence_penalty = 1.0)),
        ("short window", with(&|o| (o.frequency_penalty, o.penalty_last_n) = (0.8, 5))),
        ("logit_bias", with(&|o| o.logit_bias = vec![(r[0], f32::NEG_INFINITY), (r[40], 4.0), (r[2], -1.0)])),
        ("defaults", SamplingOptions::default()),
        (
            "everything",
            SamplingOptions {
                temperature: 1.3,
                top_k: 20,
                top_p: 0.8,
                min_p: 0.05,
                repeat_penalty: 1.3,
                frequency_penalty: 0.2,
                presence_penalty: 0.3,
                penalty_last_n: 10,
                logit_bias: vec![(r[1], f32::NEG_INFINITY), (r[30], 3.0), (r[30], 0.5)],
                seed: 99,
            },
        ),
        (
            "greedy with penalties and bias",
            SamplingOptions {
                repeat_penalty: 1.5,
                presence_penalty: 0.5,
                logit_bias: vec![(r[1], 0.25)],
                ..SamplingOptions::greedy()
            },
        ),
    ]
}

/// A history that repeats the best tokens, with an old stretch only long windows see.
fn history(logits: &[f32]) -> Vec<u32> {
    let r = ranked(logits);
    vec![r[5], r[5], r[5], r[6], r[0], r[0], r[1], r[2], r[0], r[3], r[10], r[0], r[1], r[45]]
}

#[test]
fn support_and_frequencies_match_the_reference() {
    let logits = fixed_logits(50, 1);
    let hist = history(&logits);
    for (name, opts) in cases(&logits) {
        let want = reference(&logits, &hist, &opts);
        let mut s = Sampler::new(opts.clone()).unwrap();

        // (1) The same tokens survive, with the same probabilities.
        let got = s.probabilities(&logits, &hist).unwrap();
        let mut got_p = vec![0.0; logits.len()];
        for &(id, p) in &got {
            got_p[id as usize] = p;
        }
        let support = |p: &[f64]| (0..p.len()).filter(|&t| p[t] > 0.0).collect::<Vec<_>>();
        assert_eq!(support(&got_p), support(&want), "{name}: support");
        for t in 0..logits.len() {
            assert!((got_p[t] - want[t]).abs() < 1e-9, "{name}: token {t}: {} vs {}", got_p[t], want[t]);
        }

        // (2) The draws follow them.
        let mut freq = vec![0.0; logits.len()];
        for _ in 0..DRAWS {
            freq[s.sample(&logits, &hist).unwrap() as usize] += 1.0 / DRAWS as f64;
        }
        for t in 0..logits.len() {
            assert!(want[t] > 0.0 || freq[t] == 0.0, "{name}: drew token {t} of probability 0");
            assert!((freq[t] - want[t]).abs() < 0.02, "{name}: token {t}: drawn {} vs p {}", freq[t], want[t]);
        }
        let support_size = support(&want).len();
        assert!(name.contains("greedy") || name.contains("top_k 1") || support_size > 1, "{name}: trivial case");
    }
}

#[test]
fn greedy_is_argmax() {
    let mut s = Sampler::new(SamplingOptions::greedy()).unwrap();
    for seed in 0..200 {
        let mut logits = fixed_logits(300, seed);
        if seed % 3 == 0 {
            // A tie for first place: the lower id wins, as in `argmax`.
            let best = argmax(&logits) as usize;
            logits[(best + 17) % 300] = logits[best];
        }
        assert_eq!(s.sample(&logits, &[]).unwrap(), argmax(&logits), "seed {seed}");
    }
}

#[test]
fn seed_fixes_the_sequence() {
    let logits = fixed_logits(50, 2);
    let run = |seed: u64| {
        let mut s = Sampler::new(SamplingOptions { seed, ..SamplingOptions::default() }).unwrap();
        (0..200).map(|_| s.sample(&logits, &[]).unwrap()).collect::<Vec<_>>()
    };
    assert_eq!(run(7), run(7));
    assert_ne!(run(7), run(8));
    assert_ne!(run(0), run(1));
}

#[test]
fn candidates_draw_exactly_what_full_logits_draw() {
    let configs = [
        SamplingOptions::default(),
        SamplingOptions::greedy(),
        SamplingOptions { temperature: 0.7, top_k: 10, top_p: 1.0, min_p: 0.0, ..SamplingOptions::default() },
        SamplingOptions { temperature: 1.5, top_k: MAX_GPU_CANDIDATES, top_p: 0.5, ..SamplingOptions::default() },
        SamplingOptions { top_k: 1, ..SamplingOptions::default() },
        SamplingOptions { temperature: 1.3, top_k: 40, top_p: 1.0, min_p: 0.2, seed: 5, ..SamplingOptions::default() },
    ];
    let mut shuffle = StdRng::seed_from_u64(3);
    for opts in configs {
        let mut full = Sampler::new(opts.clone()).unwrap();
        let mut cands = Sampler::new(opts.clone()).unwrap();
        assert!(!full.needs_full_logits(), "{opts:?}");
        let mut history = Vec::new();
        for step in 0..2000 {
            // A new distribution each step, as in generation; a few steps have ties at the cut.
            let mut logits = fixed_logits(1000, 1000 + step);
            let r = ranked(&logits);
            if step % 7 == 0 {
                logits[r[MAX_GPU_CANDIDATES] as usize] = logits[r[MAX_GPU_CANDIDATES - 1] as usize];
            }
            let r = ranked(&logits);
            // The GPU's top-k: the 64 best, ties to the lower id, in no particular order.
            let mut top: Vec<(u32, f32)> = r[..MAX_GPU_CANDIDATES].iter().map(|&t| (t, logits[t as usize])).collect();
            top.shuffle(&mut shuffle);
            let a = full.sample(&logits, &history).unwrap();
            let b = cands.sample_candidates(&top, &history).unwrap();
            assert_eq!(a, b, "{opts:?} step {step}");
            history.push(a);
        }
    }
}

#[test]
fn candidates_need_full_logits_when_options_reach_outside_them() {
    let logits = fixed_logits(200, 4);
    let r = ranked(&logits);
    // A bias lifts token r[150] to the top; only the full logits know it.
    let opts = SamplingOptions { logit_bias: vec![(r[150], 100.0)], ..SamplingOptions::greedy() };
    let mut s = Sampler::new(opts).unwrap();
    assert!(s.needs_full_logits());
    assert_eq!(s.sample(&logits, &[]).unwrap(), r[150]);
    let top: Vec<(u32, f32)> = r[..MAX_GPU_CANDIDATES].iter().map(|&t| (t, logits[t as usize])).collect();
    assert_eq!(s.sample_candidates(&top, &[]).unwrap(), r[0]);
}

/// Token 0 repeated twice, 1 once, 3 once (logit 0), 2 only before the window.
#[test]
fn penalties_change_logits_exactly_as_specified() {
    let logits = [2.0, -1.0, 0.5, 0.0, 1.0];
    let history = [2, 0, 0, 1, 3];
    let opts = SamplingOptions {
        temperature: 1.0,
        top_k: 0,
        top_p: 1.0,
        min_p: 0.0,
        repeat_penalty: 2.0,
        frequency_penalty: 0.25,
        presence_penalty: 0.5,
        penalty_last_n: 4,
        ..SamplingOptions::default()
    };
    // 0: 2 / 2 - (2 * 0.25 + 0.5) = 0;  1: -1 * 2 - 0.75 = -2.75;  3: 0 * 2 - 0.75 = -0.75.
    let expected = [0.0f64, -2.75, 0.5, -0.75, 1.0];
    let z: f64 = expected.iter().map(|l| l.exp()).sum();
    let mut s = Sampler::new(opts).unwrap();
    let mut got = s.probabilities(&logits, &history).unwrap();
    got.sort_by_key(|&(id, _)| id);
    for (t, &(id, p)) in got.iter().enumerate() {
        assert_eq!(id as usize, t);
        assert!((p - expected[t].exp() / z).abs() < 1e-7, "token {t}: {p}");
    }
    let mut freq = [0.0; 5];
    for _ in 0..DRAWS {
        freq[s.sample(&logits, &history).unwrap() as usize] += 1.0 / DRAWS as f64;
    }
    for t in 0..5 {
        assert!((freq[t] - expected[t].exp() / z).abs() < 0.02, "token {t}: {}", freq[t]);
    }
}

/// Greedy flips exactly where the penalized logit crosses its rival's.
#[test]
fn penalties_flip_greedy_at_the_computed_boundary() {
    let greedy = |logits: &[f32], history: &[u32], f: &dyn Fn(&mut SamplingOptions)| {
        let mut o = SamplingOptions::greedy();
        f(&mut o);
        Sampler::new(o).unwrap().sample(logits, history).unwrap()
    };
    // Repeat: 3.0 / 2 = 1.5 and -1.0 * 2 = -2.0, however often the token repeats.
    assert_eq!(greedy(&[3.0, 1.49], &[0, 0, 0], &|o| o.repeat_penalty = 2.0), 0);
    assert_eq!(greedy(&[3.0, 1.51], &[0, 0, 0], &|o| o.repeat_penalty = 2.0), 1);
    assert_eq!(greedy(&[-1.0, -2.01, -5.0], &[0], &|o| o.repeat_penalty = 2.0), 0);
    assert_eq!(greedy(&[-1.0, -1.99], &[0], &|o| o.repeat_penalty = 2.0), 1);
    // Frequency: 3 occurrences * 0.5 = 1.5 off.
    assert_eq!(greedy(&[2.0, 0.49], &[0, 1, 0, 0], &|o| o.frequency_penalty = 0.5), 0);
    assert_eq!(greedy(&[2.0, 0.51], &[0, 0, 0], &|o| o.frequency_penalty = 0.5), 1);
    // Presence: 1.5 off whatever the count.
    assert_eq!(greedy(&[2.0, 0.49], &[0, 0, 0, 0], &|o| o.presence_penalty = 1.5), 0);
    assert_eq!(greedy(&[2.0, 0.51], &[0], &|o| o.presence_penalty = 1.5), 1);
    // Only the last `penalty_last_n` tokens count.
    let window = |o: &mut SamplingOptions| (o.presence_penalty, o.penalty_last_n) = (1.5, 2);
    assert_eq!(greedy(&[2.0, 1.0, -5.0], &[0, 2, 2], &window), 0);
    assert_eq!(greedy(&[2.0, 1.0, -5.0], &[2, 0, 2], &window), 1);
    let off = |o: &mut SamplingOptions| (o.presence_penalty, o.penalty_last_n) = (1.5, 0);
    assert_eq!(greedy(&[2.0, 1.0], &[0, 0], &off), 0);
}
