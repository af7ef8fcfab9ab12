use super::*;

fn meta(reason: &str) -> AnswerMeta {
    AnswerMeta { finish_reason: reason.into(), tokens: 32, tokens_per_s: 120.5, ttft_ms: 8.25 }
}

#[test]
fn messages_come_back_in_order_with_their_metadata() -> StoreResult<()> {
    let store = Store::open_in_memory()?;
    let id = store.create_conversation("Once upon a time")?;
    store.add_message(id, "user", "Once upon a time", None)?;
    store.add_message(id, "assistant", ", there was", Some(&meta("length")))?;
    let msgs = store.messages(id)?;
    assert_eq!(msgs.len(), 2);
    assert_eq!((msgs[0].role.as_str(), msgs[0].content.as_str(), &msgs[0].meta), ("user", "Once upon a time", &None));
    assert_eq!(msgs[1].content, ", there was");
    assert_eq!(msgs[1].meta, Some(meta("length")));
    Ok(())
}

#[test]
fn list_is_most_recent_first_and_counts_messages() -> StoreResult<()> {
    let store = Store::open_in_memory()?;
    let a = store.create_conversation("first")?;
    let b = store.create_conversation("second")?;
    store.add_message(b, "user", "x", None)?;
    std::thread::sleep(std::time::Duration::from_millis(5));
    store.add_message(a, "user", "y", None)?;
    store.add_message(a, "assistant", "z", Some(&meta("stop")))?;
    let list = store.list_conversations()?;
    assert_eq!(list.iter().map(|c| (c.id, c.message_count)).collect::<Vec<_>>(), vec![(a, 2), (b, 1)]);
    assert_eq!(list[0].title, "first");
    Ok(())
}

#[test]
fn delete_removes_the_conversation_and_its_messages() -> StoreResult<()> {
    let store = Store::open_in_memory()?;
    let a = store.create_conversation("a")?;
    let b = store.create_conversation("b")?;
    store.add_message(a, "user", "x", None)?;
    store.delete_conversation(a)?;
    assert!(matches!(store.messages(a), Err(StoreError::NoConversation { id }) if id == a));
    assert!(matches!(store.delete_conversation(a), Err(StoreError::NoConversation { .. })));
    assert!(matches!(store.add_message(a, "user", "x", None), Err(StoreError::NoConversation { .. })));
    let left: i64 = store.conn.query_row("SELECT COUNT(*) FROM messages", [], |r| r.get(0))?;
    assert_eq!(left, 0, "the cascade removed the messages");
    assert_eq!(store.list_conversations()?.len(), 1);
    assert_eq!(store.list_conversations()?[0].id, b);
    Ok(())
}

#[test]
fn conversations_survive_reopening_the_file() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("hearth-demo-store-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("chats.sqlite3");
    let _ = std::fs::remove_file(&path);
    let id = {
        let store = Store::open(&path)?;
        let id = store.create_conversation("kept")?;
        store.add_message(id, "user", "hello", None)?;
        store.put_setting("last_model", &"/models/m.gguf")?;
        id
    };
    let store = Store::open(&path)?;
    assert_eq!(store.messages(id)?[0].content, "hello");
    assert_eq!(store.setting::<String>("last_model")?.as_deref(), Some("/models/m.gguf"));
    drop(store);
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

#[test]
fn settings_round_trip_and_overwrite() -> StoreResult<()> {
    let store = Store::open_in_memory()?;
    assert_eq!(store.setting::<u32>("n")?, None);
    store.put_setting("n", &1u32)?;
    store.put_setting("n", &2u32)?;
    assert_eq!(store.setting::<u32>("n")?, Some(2));
    store.put_setting("s", &"text")?;
    assert!(matches!(store.setting::<u32>("s"), Err(StoreError::Setting { .. })));
    Ok(())
}

#[test]
fn titles_take_the_first_line_and_cut_at_a_word() {
    assert_eq!(title_from("  Once upon a time\nmore"), "Once upon a time");
    assert_eq!(title_from("\n\n  "), "New chat");
    let long = "word ".repeat(30);
    let t = title_from(&long);
    assert!(t.ends_with('…') && t.chars().count() <= TITLE_CHARS + 1, "{t}");
    let one = "x".repeat(100);
    assert_eq!(title_from(&one).chars().count(), TITLE_CHARS + 1);
}
