"""The README's examples must run as written and print what the README says they print.

Each ```python block is followed by a ```text block holding its output; the test runs
the block and compares, so a number in the README can never drift from what the code
computes. It also checks that each example shows what it is there to show (a baseline
and a visible effect of the privileged information).
"""

import io
import re
from contextlib import redirect_stdout
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
_PAIR = re.compile(r"```python\n(.*?)```\s*\n```text\n(.*?)```", flags=re.S)


def _examples():
    pairs = _PAIR.findall(README.read_text(encoding="utf-8"))
    assert len(pairs) >= 3, "README.md should hold the classifier, regressor and anomaly examples"
    return pairs


def _run(code):
    out = io.StringIO()
    with redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {"__name__": "__readme__"})
    return out.getvalue()


def _numbers(text, pattern):
    return {name: float(value) for name, value in re.findall(pattern, text)}


@pytest.mark.parametrize("index", range(3), ids=["classifier", "regressor", "anomaly"])
def test_readme_example_prints_what_the_readme_shows(index):
    code, expected = _examples()[index]
    printed = _run(code)
    assert printed.strip().splitlines() == expected.strip().splitlines()


def test_readme_classifier_shows_a_baseline_and_an_effect_of_imitation():
    _, expected = _examples()[0]
    acc = _numbers(expected, r"imitation (\d\.\d+): mean test accuracy (\d\.\d+)")
    assert set(acc) == {"0.00", "0.25", "0.50"}  # λ = 0 is the baseline
    assert acc["0.00"] > 0.8  # a working student, far above chance
    # the imitation weight visibly changes the result (unlike a saturated teacher)
    assert acc["0.25"] - acc["0.00"] >= 0.01
    assert len(set(acc.values())) == 3


def test_readme_regressor_and_anomaly_compare_with_a_plain_model():
    _, regressor = _examples()[1]
    rmse = _numbers(regressor, r"([a-z ]+): mean test RMSE (\d\.\d+)")
    assert set(rmse) == {"plain ridge", "distilled"}
    _, anomaly = _examples()[2]
    auc = _numbers(anomaly, r"(\w+): test ROC-AUC (\d\.\d+)")
    assert set(auc) == {"plain", "distilled", "no_control"}
    assert all(0.5 < v <= 1 for v in auc.values())
