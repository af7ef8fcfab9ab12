"""Loading, streaming, stopping, cancelling and option defaults through the Python bindings."""

import asyncio
import threading
import time

import pytest

import hearth
from conftest import GGUF, Collect, greedy


def test_load_reports_progress_and_info():
    stages = []

    class Progress(hearth.LoadListener):
        def on_progress(self, progress):
            stages.append((progress.stage, progress.fraction))

    engine = hearth.Engine.load(str(GGUF), hearth.EngineOptions(), Progress())
    assert stages[0] == ("reading", 0.0) and stages[-1] == ("ready", 1.0)
    fractions = [f for _, f in stages]
    assert fractions == sorted(fractions)
    info = engine.info()
    assert info.architecture == "llama"
    assert info.model_name == GGUF.name
    assert info.parameters > 200_000 and info.vocab_size == 512
    assert info.context_length > 0 and info.adapter
    assert info.chat_template is False


def test_stream_matches_the_reference(engine, reference):
    session = engine.new_session()
    listener = Collect()
    c = session.generate("Once upon a time", greedy(32), listener)
    assert c.tokens == reference
    assert "".join(listener.pieces) == c.text
    assert c.text.startswith(", there was a little girl named Lily")
    assert c.finish_reason == hearth.FinishReason.LENGTH
    assert c.usage.prompt_tokens == 5 and c.usage.generated_tokens == 32
    assert c.timings.decode_tokens_per_s > 0 and c.timings.ttft_ms > 0


def test_option_defaults_are_the_sdks():
    mine, sdk = hearth.GenerateOptions(), hearth.default_generate_options()
    for field in ("max_tokens", "top_k", "penalty_last_n", "seed", "stop", "stop_at_eog", "logit_bias"):
        assert getattr(mine, field) == getattr(sdk, field), field
    for field in ("temperature", "top_p", "min_p", "repeat_penalty", "frequency_penalty", "presence_penalty"):
        assert getattr(mine, field) == pytest.approx(getattr(sdk, field), rel=1e-6), field
    assert hearth.GenerateOptions(max_tokens=8).max_tokens == 8


def test_sampling_options_reach_the_sampler(engine):
    session = engine.new_session()
    opts = hearth.GenerateOptions(max_tokens=12, temperature=0.9, seed=42, top_k=0, top_p=1.0, min_p=0.0)
    a = session.generate("Once upon a time", opts)
    b = session.generate("Once upon a time", opts)
    assert a.tokens == b.tokens  # same seed, same tokens
    banned = a.tokens[0]
    bias = [hearth.LogitBias(token=banned, bias=float("-inf"))]
    c = session.generate("Once upon a time", greedy(4, logit_bias=bias))
    assert c.tokens[0] != banned
    s = session.generate("Once upon a time", greedy(32, stop=["Lily"]))
    assert s.finish_reason == hearth.FinishReason.STOP and "Lily" not in s.text


def test_listener_returning_false_stops(engine):
    listener = Collect(limit=3)
    c = engine.new_session().generate("Once upon a time", greedy(32), listener)
    assert c.finish_reason == hearth.FinishReason.CANCELLED
    assert len(listener.pieces) == 3 and c.usage.generated_tokens < 32


def test_cancel_from_another_thread(engine):
    session = engine.new_session()
    started = threading.Event()
    result = {}

    class Slow(hearth.TokenListener):
        def on_token(self, text):
            started.set()
            time.sleep(0.01)  # keeps generation running until the cancel arrives
            return True

    def run():
        result["c"] = session.generate("Once upon a time", greedy(400, stop_at_eog=False), Slow())

    worker = threading.Thread(target=run)
    worker.start()
    assert started.wait(60)
    session.cancel()
    worker.join(60)
    c = result["c"]
    assert c.finish_reason == hearth.FinishReason.CANCELLED
    assert c.usage.generated_tokens < 400


def test_two_sessions_on_one_engine_run_at_once(engine, reference):
    results = [None, None]

    def run(i):
        results[i] = engine.new_session().generate("Once upon a time", greedy(32)).tokens

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert results == [reference, reference]


def test_generate_async(engine, reference):
    session = engine.new_session()
    listener = Collect()
    c = asyncio.run(session.generate_async("Once upon a time", greedy(32), listener))
    assert c.tokens == reference and "".join(listener.pieces) == c.text


def test_load_async():
    engine = asyncio.run(hearth.Engine.load_async(str(GGUF), hearth.EngineOptions()))
    assert engine.info().architecture == "llama"
