"""The app as a person uses it: load stories260K, chat, stop, restart."""

import os
import time
from pathlib import Path

from conftest import APP_DIR, PROMPT, reference_continuation


def shots_dir():
    d = Path(os.environ.get("HEARTH_DEMO_SHOTS", APP_DIR / "docs"))
    d.mkdir(parents=True, exist_ok=True)
    return d


def test_greedy_answer_matches_reference_and_survives_restart(app, model_path):
    app.start()
    app.load_model(model_path)
    info = app.tid("model-info").text
    for expected in ("stories260K-F32.gguf", "F32", "completion mode"):
        assert expected in info, info
    banner = app.driver.find_element("id", "mode-banner")
    assert banner.is_displayed() and "Completion mode" in banner.text

    app.fill("settings-temperature", 0)
    app.fill("settings-max-tokens", 32)
    answer = app.ask(PROMPT)
    assert app.text_of(answer) == reference_continuation()
    assert app.text_of(app.tids("message-user")[-1]) == PROMPT
    status = app.text_of(app.tid("status"))
    for part in ("Adapter:", "tok/s", "TTFT", "Memory"):
        assert part in status, status

    # A second turn for the screenshot: the conversation as someone would see it.
    app.fill("settings-max-tokens", 48)
    second = app.ask("The little dog wanted to")
    assert app.text_of(second).strip()
    app.wait(lambda d: app.tid("send").is_displayed())
    time.sleep(0.5)  # the screenshot shows the last painted frame
    app.driver.get_screenshot_as_file(str(shots_dir() / "screenshot.png"))
    assert app.titles() == [PROMPT]

    # Restart: the conversation is read back from the app's database.
    app.stop()
    app.start()
    assert app.titles() == [PROMPT]
    items = app.tids("conversation-item")
    assert app.tids("message-assistant") == []
    items[0].find_element("css selector", "button.open").click()
    app.wait(lambda d: len(app.tids("message-assistant")) == 2)
    assert app.text_of(app.tids("message-user")[0]) == PROMPT
    assert app.text_of(app.tids("message-assistant")[0]) == reference_continuation()
    # The settings were kept too.
    assert app.tid("settings-max-tokens").get_attribute("value") == "48"
    assert float(app.tid("settings-temperature").get_attribute("value")) == 0.0


def test_stop_cancels_a_long_answer(app, model_path):
    app.start()
    app.load_model(model_path)
    app.fill("settings-temperature", 0)
    app.fill("settings-max-tokens", 480)
    answer = app.ask(PROMPT, wait=False)
    stop = app.tid("stop")
    assert stop.is_displayed()
    # Stop once the answer has started to stream.
    app.wait(lambda d: len(app.text_of(answer)) > 0)
    stop.click()
    app.wait_done(answer)
    meta = answer.find_element("xpath", "following-sibling::div[@class='meta']").text
    assert "stopped" in meta, meta
    tokens = int(meta.split(" tokens")[0])
    assert 0 < tokens < 480, meta
    assert app.tid("send").is_displayed() and not stop.is_displayed()
    # The next answer runs normally after a stop.
    app.fill("settings-max-tokens", 32)
    app.tid("new-chat").click()
    again = app.ask(PROMPT)
    assert app.text_of(again) == reference_continuation()


def test_delete_removes_a_conversation(app, model_path):
    app.start()
    app.load_model(model_path)
    app.fill("settings-max-tokens", 4)
    app.ask("One")
    app.tid("new-chat").click()
    app.ask("Two")
    items = app.tids("conversation-item")
    assert app.titles() == ["Two", "One"]
    app.driver.execute_script("arguments[0].click()", items[0].find_element("css selector", "button.delete"))
    app.wait(lambda d: len(app.tids("conversation-item")) == 1)
    assert app.titles() == ["One"]
    assert app.tids("message-user") == []
