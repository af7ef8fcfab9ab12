use super::*;

fn msg(role: &str, content: &str) -> StoredMessage {
    StoredMessage { id: 0, role: role.into(), content: content.into(), meta: None }
}

#[test]
fn settings_map_onto_generate_options() -> Result<(), SettingsError> {
    let s = Settings { system_prompt: "Be brief.".into(), temperature: 0.0, top_p: 0.5, max_tokens: 32 };
    let o = s.generate_options(7)?;
    assert_eq!(o.max_tokens, 32);
    assert_eq!((o.sampling.temperature, o.sampling.top_p, o.sampling.seed), (0.0, 0.5, 7));
    let d = SamplingOptions::default();
    assert_eq!((o.sampling.top_k, o.sampling.min_p, o.sampling.repeat_penalty), (d.top_k, d.min_p, d.repeat_penalty));
    assert!(o.stop_at_eog && o.stop.is_empty());
    Ok(())
}

#[test]
fn out_of_range_settings_are_refused() {
    let ok = Settings::default();
    assert_eq!(ok.validate(), Ok(()));
    let bad = |f: &dyn Fn(&mut Settings)| {
        let mut s = ok.clone();
        f(&mut s);
        s.generate_options(0).err()
    };
    assert!(matches!(bad(&|s| s.temperature = -0.1), Some(SettingsError::Temperature { .. })));
    assert!(matches!(bad(&|s| s.temperature = f32::NAN), Some(SettingsError::Temperature { .. })));
    assert!(matches!(bad(&|s| s.temperature = 2.5), Some(SettingsError::Temperature { .. })));
    assert!(matches!(bad(&|s| s.top_p = 0.0), Some(SettingsError::TopP { .. })));
    assert!(matches!(bad(&|s| s.top_p = 1.01), Some(SettingsError::TopP { .. })));
    assert!(matches!(bad(&|s| s.max_tokens = 0), Some(SettingsError::MaxTokens { .. })));
    assert!(matches!(bad(&|s| s.max_tokens = MAX_TOKENS_LIMIT + 1), Some(SettingsError::MaxTokens { .. })));
    assert_eq!(bad(&|s| s.temperature = 2.0), None);
}

#[test]
fn missing_fields_take_defaults_when_read_back() -> Result<(), serde_json::Error> {
    let s: Settings = serde_json::from_str(r#"{"temperature":0.2}"#)?;
    assert_eq!(s, Settings { temperature: 0.2, ..Settings::default() });
    Ok(())
}

#[test]
fn chat_prompt_has_system_history_and_new_message() {
    let s = Settings { system_prompt: "  You are kind. ".into(), ..Settings::default() };
    let history = [msg("user", "Hi"), msg("assistant", "Hello!"), msg("user", "Stop early"), msg("assistant", "")];
    let Prompt::Chat(m) = build_prompt(&s, &history, "How are you?", true) else { panic!("chat prompt expected") };
    let got: Vec<(&str, &str)> = m.iter().map(|m| (m.role.as_str(), m.content.as_str())).collect();
    assert_eq!(
        got,
        [
            ("system", "You are kind."),
            ("user", "Hi"),
            ("assistant", "Hello!"),
            ("user", "Stop early"),
            ("user", "How are you?")
        ]
    );
}

#[test]
fn empty_system_prompt_is_left_out() {
    let Prompt::Chat(m) = build_prompt(&Settings::default(), &[], "Hi", true) else { panic!("chat prompt expected") };
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].role, "user");
}

#[test]
fn completion_mode_continues_only_the_new_text() {
    let s = Settings { system_prompt: "ignored".into(), ..Settings::default() };
    let p = build_prompt(&s, &[msg("user", "old"), msg("assistant", "answer")], "Once upon a time", false);
    assert_eq!(p, Prompt::Completion("Once upon a time".into()));
}
