"""Typed errors, and a Rust panic reaching Python as HearthError.Panic."""

import pytest

import hearth
from conftest import Collect, greedy


def test_corrupt_file_is_a_typed_error(tmp_path):
    bad = tmp_path / "corrupt.gguf"
    bad.write_bytes(b"NOPE" + bytes(60))
    with pytest.raises(hearth.HearthError.InvalidModel) as err:
        hearth.Engine.load(str(bad), hearth.EngineOptions())
    assert "not a GGUF file" in str(err.value)


def test_missing_file_is_an_io_error(tmp_path):
    with pytest.raises(hearth.HearthError.Io):
        hearth.Engine.load(str(tmp_path / "absent.gguf"), hearth.EngineOptions())


def test_model_over_the_memory_budget_is_refused_before_upload():
    from conftest import GGUF

    with pytest.raises(hearth.HearthError.Gpu) as err:
        hearth.Engine.load(str(GGUF), hearth.EngineOptions(memory_budget=1 << 20))
    assert "not enough device memory" in str(err.value)
    assert "positions fits" in str(err.value)


def test_bad_option_is_an_invalid_argument(engine):
    with pytest.raises(hearth.HearthError.InvalidArgument):
        engine.new_session().generate("Once", hearth.GenerateOptions(top_p=0.0))


def test_panic_becomes_hearth_error_and_the_session_recovers(engine, reference):
    """A listener that raises makes uniffi panic inside Rust (a callback with no error
    type cannot fail); the FFI layer turns the unwind into HearthError.Panic."""

    class Raises(hearth.TokenListener):
        def on_token(self, text):
            raise RuntimeError("listener bug")

    session = engine.new_session()
    with pytest.raises(hearth.HearthError.Panic) as err:
        session.generate("Once upon a time", greedy(8), Raises())
    assert "listener bug" in str(err.value)
    # The session's lock was poisoned by the panic: it reset itself and still works.
    assert session.cached_token_count() == 0
    assert session.generate("Once upon a time", greedy(32), Collect()).tokens == reference


def test_state_of_another_file_is_a_state_error(engine, tmp_path):
    bad = tmp_path / "state.bin"
    bad.write_bytes(b"not a state")
    with pytest.raises(hearth.HearthError.State):
        engine.new_session().restore_state(str(bad))
