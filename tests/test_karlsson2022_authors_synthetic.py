"""Pure helpers of studies/karlsson2022_authors_synthetic.py (no fetched authors' repo)."""

import doctest
import sys
from pathlib import Path

import numpy as np
import pytest

# The study lives in the repository's studies/ folder (not in the wheel).
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from studies import karlsson2022_authors_synthetic as S  # noqa: E402


def test_docstring_examples_run():
    # studies/ is outside the doctest collection paths; run its examples here.
    result = doctest.testmod(S, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_read_default_values_takes_the_literal_and_ignores_the_rest():
    source = (
        "import os\nsave = True\n"
        "default_values = {\n    'sequence_length': 10,\n    'dim' : 25,\n    'seed' : 42,\n}\n"
        "model_dict = {'a': object()}\n"
    )
    assert S.read_default_values(source) == {"sequence_length": 10, "dim": 25, "seed": 42}


def test_read_default_values_without_the_assignment_says_so():
    with pytest.raises(ValueError, match="default_values"):
        S.read_default_values("defaults = {'dim': 25}\n")


def test_settings_differences_numeric_tolerance_and_missing_names():
    theirs = {"dim": 25, "input_var": 5, "noise_var": 1.0, "only_theirs": 1}
    ours = {"dim": 25, "input_var": 5.0, "noise_var": 2.0}
    assert S.settings_differences(theirs, ours) == [
        ("noise_var", 1.0, 2.0),
        ("only_theirs", 1, "(absent)"),
    ]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [([0, 1], [1, 2], True), ([0, 1], [0.2, 0.3], True), ([0, 1], [1.01, 2], False)],
)
def test_intervals_overlap(a, b, expected):
    assert S.intervals_overlap(a, b) is expected
    assert S.intervals_overlap(b, a) is expected


def test_compare_ratio_samples_separates_different_means():
    rng = np.random.default_rng(0)
    ours, theirs = rng.normal(0.9, 0.05, 100), rng.normal(0.7, 0.05, 100)
    r = S.compare_ratio_samples(ours, theirs)
    assert r["ci_overlap"] is False
    assert r["ours_mean_in_their_ci"] is False
    assert r["welch_p"] < 1e-10
    assert r["difference"] == pytest.approx(ours.mean() - theirs.mean())


def test_compare_ratio_samples_same_distribution():
    rng = np.random.default_rng(1)
    r = S.compare_ratio_samples(rng.normal(0.8, 0.1, 200), rng.normal(0.8, 0.1, 200))
    assert r["ci_overlap"] is True
    assert r["welch_p"] > 0.01


def test_ratio_of_means_ci_is_seeded_and_brackets_the_ratio():
    rng = np.random.default_rng(2)
    den = rng.uniform(40, 80, 100)
    num = den * rng.uniform(0.6, 0.9, 100)
    a = S.ratio_of_means_ci(num, den, seed=3)
    assert a == S.ratio_of_means_ci(num, den, seed=3)
    assert a["ratio"] == pytest.approx(num.mean() / den.mean())
    assert a["ci95"][0] < a["ratio"] < a["ci95"][1]
    assert set(S.ratio_of_means_ci(num, den, level=0.9)) == {"ratio", "ci90"}


def test_mean_sd_is_the_population_standard_deviation():
    v = [1.0, 2.0, 4.0]
    assert S.mean_sd(v) == {"mean": pytest.approx(7 / 3), "sd": pytest.approx(np.std(v))}


def test_with_seed_fixes_only_the_seed_argument():
    class Gen:
        def __init__(self, size, scale=1.0, seed=None):
            self.size, self.scale, self.seed = size, scale, seed

    g = S._with_seed(Gen, 7)(3, scale=0.5, seed=None)
    assert isinstance(g, Gen)
    assert (g.size, g.scale, g.seed) == (3, 0.5, 7)


def test_missing_repo_is_one_clear_error(tmp_path):
    with pytest.raises(SystemExit, match="src/synthethic/experiment.py"):
        S.load_authors(tmp_path)
