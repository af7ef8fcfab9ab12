"""Chat (completion mode and a template), save/restore/reset."""

import hearth
from conftest import greedy

User, System, Assistant = "user", "system", "assistant"


def msg(role, content):
    return hearth.ChatMessage(role=role, content=content)


def test_chat_without_template_is_completion_mode(engine):
    # stories260K has no chat template: system and user contents joined by a blank line.
    session = engine.new_session()
    messages = [msg(System, "Once upon"), msg(User, "a time"), msg(Assistant, "ignored")]
    chat = session.chat(messages, greedy(16))
    plain = engine.new_session().generate("Once upon\n\na time", greedy(16))
    assert chat.tokens == plain.tokens and chat.usage.prompt_tokens == plain.usage.prompt_tokens


def test_chat_without_user_message_is_an_error(engine):
    try:
        engine.new_session().chat([msg(Assistant, "hi")], greedy(4))
    except hearth.HearthError.InvalidArgument:
        return
    raise AssertionError("expected HearthError.InvalidArgument")


def test_chat_with_template(templated_engine):
    assert templated_engine.info().chat_template
    session = templated_engine.new_session()
    first = [msg(System, "Tell a story."), msg(User, "Once upon a time")]
    c = session.chat(first, greedy(16))
    rendered = "system: Tell a story.\nuser: Once upon a time\nassistant:"
    plain = templated_engine.new_session().generate(rendered, greedy(16))
    assert c.tokens == plain.tokens and c.usage.prompt_tokens == plain.usage.prompt_tokens
    # The next turn reuses the cached conversation.
    again = session.chat(first + [msg(Assistant, c.text), msg(User, "And then?")], greedy(8))
    assert again.usage.cached_tokens > 0


def test_save_restore_reset(engine, tmp_path):
    session = engine.new_session()
    first = session.generate("Once upon a time", greedy(8))
    held = session.cached_token_count()
    assert held > 0
    path = str(tmp_path / "session.state")
    session.save_state(path)

    other = engine.new_session()
    other.restore_state(path)
    assert other.cached_token_count() == held
    prompt_again = "Once upon a time" + first.text
    resumed = other.generate(prompt_again, greedy(8))
    assert resumed.usage.cached_tokens > 0

    session.reset()
    assert session.cached_token_count() == 0
    fresh = session.generate(prompt_again, greedy(8))
    assert fresh.usage.cached_tokens == 0 and fresh.tokens == resumed.tokens
