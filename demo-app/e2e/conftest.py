"""Fixtures that run the real app binary through tauri-driver and WebKitWebDriver.

Environment:
  HEARTH_DEMO_BIN     the app binary (built with the custom-protocol feature)
  HEARTH_MODELS       the shared models folder (default: ../shared/models beside the repository)
  TAURI_DRIVER        tauri-driver (default: on PATH)
  HEARTH_DEMO_SHOTS   where screenshots go (default: demo-app/docs)
The display comes from the caller (xvfb-run in .ci/demo-app.sh).
"""

import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.file_detector import UselessFileDetector
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.support.ui import WebDriverWait

APP_DIR = Path(__file__).resolve().parent.parent
REPO = APP_DIR.parent
MODELS = Path(os.environ.get("HEARTH_MODELS", REPO.parent / "shared" / "models"))
STORIES = MODELS / "stories260K"
PROMPT = "Once upon a time"


def reference_continuation():
    """The greedy 32-token continuation of PROMPT, as the CLI tests compare it."""
    ref = json.loads((STORIES / "reference.json").read_text())
    full = ref["files"]["stories260K-F32.gguf"]["greedy_text"]
    assert full.startswith(PROMPT)
    return full[len(PROMPT):]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"tauri-driver exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"tauri-driver did not listen on {port}")


@pytest.fixture(scope="session")
def app_binary():
    binary = os.environ.get("HEARTH_DEMO_BIN")
    if not binary:
        target = os.environ.get("CARGO_TARGET_DIR", APP_DIR / "target")
        binary = Path(target) / "debug" / "hearth-demo"
    binary = Path(binary)
    assert binary.is_file(), f"{binary} is missing: build the app first (see .ci/demo-app.sh)"
    return binary


@pytest.fixture(scope="session")
def model_path():
    path = STORIES / "stories260K-F32.gguf"
    assert path.is_file(), f"{path} is missing (the shared models folder must sit beside the repository)"
    return path


class App:
    """Starts the app (through tauri-driver) as often as a test needs, with one data folder."""

    def __init__(self, binary, data_home, logs):
        self.binary = binary
        self.data_home = data_home
        self.logs = logs
        self.driver = None
        self.tauri_driver = None
        self.starts = 0

    def start(self, application=None):
        self.starts += 1
        port, native = free_port(), free_port()
        env = dict(os.environ, XDG_DATA_HOME=str(self.data_home), XDG_CONFIG_HOME=str(self.data_home / "config"),
                   XDG_CACHE_HOME=str(self.data_home / "cache"))
        log = open(self.logs / f"tauri-driver-{self.starts}.log", "w")
        exe = os.environ.get("TAURI_DRIVER") or shutil.which("tauri-driver")
        assert exe, "tauri-driver is not installed (cargo install tauri-driver --locked)"
        self.tauri_driver = subprocess.Popen([exe, "--port", str(port), "--native-port", str(native)], env=env,
                                             stdout=log, stderr=subprocess.STDOUT)
        # tauri-driver listens first, then starts WebKitWebDriver: wait for both.
        wait_for_port(port, self.tauri_driver)
        wait_for_port(native, self.tauri_driver)
        options = ArgOptions()
        options.set_capability("browserName", "wry")
        options.set_capability("tauri:options", {"application": str(application or self.binary)})
        self.driver = webdriver.Remote(command_executor=f"http://127.0.0.1:{port}", options=options)
        # Typing a model path must not turn into a file upload (a Selenium Grid feature).
        self.driver.file_detector = UselessFileDetector()
        self.wait(lambda d: d.execute_script("return document.readyState") == "complete")
        # The page fills the status line once its start-up call came back.
        self.wait(lambda d: self.text_of(self.tid("status")).strip() != "")
        return self

    def stop(self):
        if self.driver:
            try:
                self.driver.quit()
            finally:
                self.driver = None
        if self.tauri_driver:
            self.tauri_driver.terminate()
            try:
                self.tauri_driver.wait(10)
            except subprocess.TimeoutExpired:
                self.tauri_driver.kill()
            self.tauri_driver = None

    # ---- page helpers ----
    def wait(self, cond, timeout=60):
        return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(cond)

    def tid(self, name):
        return self.driver.find_element(By.CSS_SELECTOR, f'[data-testid="{name}"]')

    def tids(self, name):
        return self.driver.find_elements(By.CSS_SELECTOR, f'[data-testid="{name}"]')

    def text_of(self, element):
        # textContent, not .text: WebDriver's visible text trims and folds whitespace.
        return self.driver.execute_script("return arguments[0].textContent", element)

    def titles(self):
        """Titles in the conversation panel, top first."""
        return [self.text_of(i.find_element(By.CSS_SELECTOR, ".title")) for i in self.tids("conversation-item")]

    def fill(self, name, value):
        field = self.tid(name)
        field.clear()
        field.send_keys(str(value))

    def load_model(self, path):
        self.fill("model-path", path)
        self.tid("load-model").click()
        info = self.tid("model-info")
        self.wait(lambda d: info.get_attribute("data-state") == "loaded" and Path(path).name in info.text)
        assert float(self.tid("load-progress").get_attribute("value")) == 1.0

    def ask(self, prompt, wait=True):
        self.fill("prompt", prompt)
        before = len(self.tids("message-assistant"))
        self.tid("send").click()
        self.wait(lambda d: len(self.tids("message-assistant")) == before + 1)
        answer = self.tids("message-assistant")[-1]
        if wait:
            self.wait_done(answer)
        return answer

    def wait_done(self, answer, timeout=120):
        self.wait(lambda d: answer.get_attribute("data-state") == "done", timeout)


@pytest.fixture
def app(app_binary, tmp_path):
    logs = Path(os.environ.get("HEARTH_DEMO_LOGS", tmp_path / "logs"))
    logs.mkdir(parents=True, exist_ok=True)
    data = tmp_path / "data"
    data.mkdir()
    a = App(app_binary, data, logs)
    yield a
    a.stop()
