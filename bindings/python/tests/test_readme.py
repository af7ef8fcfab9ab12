"""The README's Python example, run as written (with the model path filled in)."""

import re

from conftest import GGUF, ROOT


def test_readme_python_example(capsys):
    readme = (ROOT / "README.md").read_text()
    code = re.search(r"```python\n(.*?)```", readme, re.S).group(1)
    exec(code.replace('"model.gguf"', repr(str(GGUF))), {})
    assert "there was a little girl named Lily" in capsys.readouterr().out
