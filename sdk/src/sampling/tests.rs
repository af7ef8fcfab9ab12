//! Validation errors and edge cases. The statistical checks against an independent reference
//! sampler live in `tests/tests/sampling.rs`.

use super::*;

fn invalid(r: Result<impl std::fmt::Debug>) -> String {
    match r {
        Err(Error::InvalidArgument { reason }) => reason,
        other => panic!("expected InvalidArgument, got {other:?}"),
    }
}

fn with(f: impl FnOnce(&mut SamplingOptions)) -> SamplingOptions {
    let mut o = SamplingOptions::default();
    f(&mut o);
    o
}

#[test]
fn defaults_are_llama_cpp_and_valid() {
    let o = SamplingOptions::default();
    assert_eq!((o.temperature, o.top_k, o.top_p, o.min_p), (0.8, 40, 0.95, 0.05));
    assert_eq!((o.repeat_penalty, o.frequency_penalty, o.presence_penalty, o.penalty_last_n), (1.0, 0.0, 0.0, 64));
    assert!(o.logit_bias.is_empty());
    o.validate().unwrap();
    SamplingOptions::greedy().validate().unwrap();
}

#[test]
fn out_of_range_options_are_rejected() {
    let cases: Vec<(SamplingOptions, &str)> = vec![
        (with(|o| o.temperature = -0.1), "temperature"),
        (with(|o| o.temperature = f32::NAN), "temperature"),
        (with(|o| o.temperature = f32::INFINITY), "temperature"),
        (with(|o| o.top_p = 0.0), "top_p"),
        (with(|o| o.top_p = 1.01), "top_p"),
        (with(|o| o.top_p = f32::NAN), "top_p"),
        (with(|o| o.min_p = -0.01), "min_p"),
        (with(|o| o.min_p = 1.5), "min_p"),
        (with(|o| o.min_p = f32::NAN), "min_p"),
        (with(|o| o.repeat_penalty = 0.0), "repeat_penalty"),
        (with(|o| o.repeat_penalty = f32::INFINITY), "repeat_penalty"),
        (with(|o| o.frequency_penalty = f32::NAN), "frequency_penalty"),
        (with(|o| o.presence_penalty = f32::NEG_INFINITY), "presence_penalty"),
        (with(|o| o.logit_bias = vec![(3, f32::INFINITY)]), "logit_bias"),
        (with(|o| o.logit_bias = vec![(3, f32::NAN)]), "logit_bias"),
    ];
    for (opts, field) in cases {
        let reason = invalid(Sampler::new(opts.clone()));
        assert!(reason.contains(field), "{opts:?}: {reason}");
    }
    // Boundaries that are allowed.
    for opts in [
        with(|o| o.top_p = 1.0),
        with(|o| o.min_p = 1.0),
        with(|o| o.min_p = 0.0),
        with(|o| o.frequency_penalty = -1.0),
        with(|o| o.logit_bias = vec![(0, f32::NEG_INFINITY)]),
    ] {
        Sampler::new(opts).unwrap();
    }
}

#[test]
fn missing_fields_deserialize_to_defaults() {
    let o: SamplingOptions = serde_json::from_str(r#"{"temperature": 0.0, "seed": 7}"#).unwrap();
    assert_eq!(o, SamplingOptions { temperature: 0.0, seed: 7, ..SamplingOptions::default() });
}

#[test]
fn only_finite_token_is_always_chosen() {
    let mut logits = vec![f32::NEG_INFINITY; 100];
    logits[37] = -5.0;
    for opts in [SamplingOptions::default(), SamplingOptions::greedy(), with(|o| o.top_k = 0)] {
        let mut s = Sampler::new(opts).unwrap();
        for _ in 0..50 {
            assert_eq!(s.sample(&logits, &[]).unwrap(), 37);
        }
    }
}

#[test]
fn banned_tokens_are_never_chosen() {
    // The two best tokens are banned; everything else is flat.
    let mut logits = vec![0.0; 10];
    logits[2] = 10.0;
    logits[5] = 9.0;
    let opts = with(|o| {
        o.temperature = 1.0;
        o.top_k = 0;
        o.min_p = 0.0;
        o.logit_bias = vec![(2, f32::NEG_INFINITY), (5, f32::NEG_INFINITY)];
    });
    let mut s = Sampler::new(opts).unwrap();
    let mut seen = [false; 10];
    for _ in 0..500 {
        seen[s.sample(&logits, &[]).unwrap() as usize] = true;
    }
    assert_eq!(seen, [true, true, false, true, true, false, true, true, true, true]);

    let mut greedy =
        Sampler::new(SamplingOptions { logit_bias: vec![(2, f32::NEG_INFINITY)], ..SamplingOptions::greedy() })
            .unwrap();
    assert_eq!(greedy.sample(&logits, &[]).unwrap(), 5);
}

#[test]
fn everything_banned_is_an_error() {
    let mut s =
        Sampler::new(SamplingOptions { logit_bias: vec![(0, f32::NEG_INFINITY)], ..Default::default() }).unwrap();
    let reason = invalid(s.sample(&[1.0], &[]));
    assert!(reason.contains("banned"), "{reason}");
    invalid(s.sample(&[f32::NEG_INFINITY; 4], &[]));
    invalid(s.sample_candidates(&[(0, 3.0)], &[]));
}

#[test]
fn top_k_larger_than_vocab_keeps_all() {
    let logits = [0.0, 0.1, 0.2];
    let mut s = Sampler::new(with(|o| {
        o.temperature = 1.0;
        o.top_k = 1000;
        o.top_p = 1.0;
        o.min_p = 0.0;
    }))
    .unwrap();
    let mut seen = [0usize; 3];
    for _ in 0..3000 {
        seen[s.sample(&logits, &[]).unwrap() as usize] += 1;
    }
    assert!(seen.iter().all(|&n| n > 700), "{seen:?}");
}

#[test]
fn nan_and_positive_infinite_logits_are_errors() {
    for opts in [SamplingOptions::default(), SamplingOptions::greedy()] {
        let mut s = Sampler::new(opts).unwrap();
        assert!(invalid(s.sample(&[0.0, f32::NAN, 1.0], &[])).contains("token 1"));
        assert!(invalid(s.sample(&[f32::INFINITY, 1.0], &[])).contains("token 0"));
        assert!(invalid(s.sample_candidates(&[(9, 1.0), (4, f32::NAN)], &[])).contains("token 4"));
    }
}

#[test]
fn bad_inputs_are_errors() {
    let mut s = Sampler::new(SamplingOptions::default()).unwrap();
    invalid(s.sample(&[], &[]));
    invalid(s.sample_candidates(&[], &[]));
    assert!(invalid(s.sample_candidates(&[(3, 1.0), (4, 0.5), (3, 0.2)], &[])).contains("token 3"));

    let mut biased = Sampler::new(SamplingOptions { logit_bias: vec![(10, 1.0)], ..Default::default() }).unwrap();
    assert!(matches!(biased.sample(&[0.0; 10], &[]), Err(Error::TokenOutOfRange { id: 10, vocab_size: 10 })));
}

#[test]
fn history_outside_vocab_is_ignored() {
    let mut s = Sampler::new(SamplingOptions { repeat_penalty: 2.0, ..SamplingOptions::greedy() }).unwrap();
    assert_eq!(s.sample(&[1.0, 2.0], &[5, 1000, u32::MAX]).unwrap(), 1);
}

#[test]
fn greedy_ties_go_to_lowest_id_and_use_no_randomness() {
    let mut s = Sampler::new(SamplingOptions::greedy()).unwrap();
    assert_eq!(s.sample(&[1.0, 3.0, 2.0, 3.0], &[]).unwrap(), 1);
    assert_eq!(s.sample_candidates(&[(7, 3.0), (2, 3.0), (0, 1.0)], &[]).unwrap(), 2);
    assert_eq!(s.probabilities(&[1.0, 3.0, 2.0, 3.0], &[]).unwrap(), vec![(1, 1.0)]);
    assert_eq!(s.rng, ChaCha20Rng::seed_from_u64(0));
}

#[test]
fn needs_full_logits_follows_the_options() {
    let needs = |o: SamplingOptions| Sampler::new(o).unwrap().needs_full_logits();
    assert!(!needs(SamplingOptions::default()));
    assert!(!needs(SamplingOptions::greedy()));
    assert!(!needs(with(|o| o.top_k = MAX_GPU_CANDIDATES)));
    assert!(needs(with(|o| o.top_k = MAX_GPU_CANDIDATES + 1)));
    assert!(needs(with(|o| o.top_k = 0)));
    assert!(needs(with(|o| o.logit_bias = vec![(1, -1.0)])));
    assert!(needs(with(|o| o.repeat_penalty = 1.1)));
    assert!(needs(with(|o| o.frequency_penalty = 0.5)));
    assert!(needs(with(|o| o.presence_penalty = 0.5)));
    // A zero window switches the penalties off.
    assert!(!needs(with(|o| {
        o.repeat_penalty = 1.1;
        o.penalty_last_n = 0;
    })));
    assert!(needs(SamplingOptions { repeat_penalty: 1.1, ..SamplingOptions::greedy() }));
}

#[test]
fn window_counts_look_at_the_last_n_only() {
    assert_eq!(chain::window_counts(&[1, 2, 2, 3, 2, 1], 4), vec![(1, 1), (2, 2), (3, 1)]);
    assert_eq!(chain::window_counts(&[1, 2], 10), vec![(1, 1), (2, 1)]);
    assert!(chain::window_counts(&[1, 2], 0).is_empty());
}

#[test]
fn uniform_is_in_unit_interval() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    for _ in 0..10_000 {
        let u = chain::uniform(&mut rng);
        assert!((0.0..1.0).contains(&u));
    }
}
