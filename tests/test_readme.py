"""The README's example must run as written (it is the first code a user copies)."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    assert blocks, "README.md has no python example"
    exec(compile(blocks[0], "README.md", "exec"), {})
    out = capsys.readouterr().out
    accuracy = float(re.search(r"student test accuracy (\d\.\d+)", out).group(1))
    # The README promises a working student: far above chance on Mackey-Glass directions.
    assert accuracy > 0.8
