"""lupi_ts.stats: intervals at any level, paired tests and the unit bootstrap."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from lupi_ts.stats import (
    WeightedScorePool,
    bootstrap_weights,
    ci_key,
    mean_ci,
    paired_comparison,
    percentile_interval,
)

# ------------------------------------------------------------------------- mean_ci


def test_mean_ci_matches_t_interval_by_hand():
    x = np.array([0.8, 0.9, 0.85, 0.95, 0.7])
    half = stats.t.ppf(0.975, df=4) * x.std(ddof=1) / math.sqrt(5)
    out = mean_ci(x)
    assert out["mean"] == pytest.approx(0.84)
    assert out["ci95"] == pytest.approx([0.84 - half, 0.84 + half])


@pytest.mark.parametrize("level, key", [(0.9, "ci90"), (0.99, "ci99"), (0.5, "ci50"),
                                        (0.999, "ci99.9")])  # fmt: skip
def test_mean_ci_key_and_width_follow_the_level(level, key):
    x = np.array([0.8, 0.9, 0.85, 0.95, 0.7])
    out = mean_ci(x, level=level)
    assert set(out) == {"mean", key}
    half = stats.t.ppf(0.5 + level / 2, df=4) * x.std(ddof=1) / math.sqrt(5)
    assert out[key] == pytest.approx([x.mean() - half, x.mean() + half])


def test_mean_ci_degenerate_cases_and_errors():
    assert mean_ci([0.5]) == {"mean": 0.5, "ci95": [0.5, 0.5]}
    assert mean_ci([0.5, 0.5, 0.5], level=0.8) == {"mean": 0.5, "ci80": [0.5, 0.5]}
    for bad in ([], [0.1, np.nan], [[0.1, 0.2]]):
        with pytest.raises(ValueError, match="values"):
            mean_ci(bad)
    for level in (0.0, 1.0, 95, True, "0.95"):
        with pytest.raises(ValueError, match="level must be a number in"):
            mean_ci([0.1, 0.2], level=level)
    assert ci_key(0.95) == "ci95"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=2, max_size=30),
    st.floats(0.5, 0.99),
)
def test_wider_level_wider_interval_around_the_mean(values, level):
    narrow = mean_ci(values, level=level)
    wide = mean_ci(values, level=min(0.999, level + 0.005))
    (lo, hi), (wlo, whi) = narrow[ci_key(level)], wide[ci_key(min(0.999, level + 0.005))]
    assert lo <= narrow["mean"] + 1e-9 and narrow["mean"] <= hi + 1e-9
    assert wlo <= lo + 1e-9 and hi <= whi + 1e-9
    # symmetric around the mean
    assert (hi - narrow["mean"]) == pytest.approx(narrow["mean"] - lo, abs=1e-9)


# ------------------------------------------------------------------ paired tests


def test_paired_comparison_counts_and_tests():
    a = np.array([0.90, 0.80, 0.75, 0.90, 0.60])
    b = np.array([0.85, 0.80, 0.70, 0.95, 0.50])
    out = paired_comparison(a, b)
    assert (out["wins"], out["ties"], out["losses"], out["n"]) == (3, 1, 1, 5)
    assert out["mean"] == pytest.approx(np.mean(a - b))
    assert out["p_value"] == pytest.approx(stats.ttest_rel(a, b).pvalue)
    d = (a - b)[a != b]
    assert out["p_value_wilcoxon"] == pytest.approx(stats.wilcoxon(d).pvalue)
    assert "paired t-test" in out["test"]
    assert out["ci95"] == mean_ci(a - b)["ci95"]
    assert paired_comparison(a, b, level=0.9)["ci90"] == mean_ci(a - b, level=0.9)["ci90"]


def test_paired_comparison_degenerate_cases():
    same = paired_comparison([0.5, 0.6], [0.5, 0.6])
    assert same["p_value"] == 1.0 and same["p_value_wilcoxon"] == 1.0
    assert same["ties"] == 2 and same["mean"] == 0.0
    shifted = paired_comparison([0.6, 0.7, 0.8], [0.5, 0.6, 0.7])
    assert shifted["p_value"] == 0.0 and shifted["wins"] == 3
    with pytest.raises(ValueError, match="same"):
        paired_comparison([0.1, 0.2], [0.1])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 20)), min_size=1, max_size=25))
def test_paired_comparison_is_antisymmetric(pairs):
    a = np.array([p[0] for p in pairs], float) / 20
    b = np.array([p[1] for p in pairs], float) / 20
    ab, ba = paired_comparison(a, b), paired_comparison(b, a)
    assert ab["wins"] + ab["ties"] + ab["losses"] == len(pairs)
    assert (ab["wins"], ab["ties"], ab["losses"]) == (ba["losses"], ba["ties"], ba["wins"])
    assert ab["mean"] == pytest.approx(-ba["mean"], abs=1e-12)
    assert ab["p_value"] == pytest.approx(ba["p_value"])
    assert 0.0 <= ab["p_value"] <= 1.0 and 0.0 <= ab["p_value_wilcoxon"] <= 1.0


# --------------------------------------------------------------------- bootstrap


def test_bootstrap_weights_are_the_drawn_counts():
    rng = np.random.default_rng(3)
    expected = [np.bincount(rng.integers(0, 4, 4), minlength=4) for _ in range(5)]
    got = list(bootstrap_weights(4, 5, random_state=3))
    assert len(got) == 5
    for w, e in zip(got, expected):
        assert w.dtype == float and np.array_equal(w, e)


def test_bootstrap_weights_redraw_rejected_resamples():
    accepted = list(bootstrap_weights(3, 20, random_state=0, accept=lambda w: w[0] > 0))
    assert len(accepted) == 20 and all(w[0] > 0 for w in accepted)
    with pytest.raises(ValueError, match="n_units must be a positive integer"):
        list(bootstrap_weights(0, 5))
    with pytest.raises(ValueError, match="n_resamples"):
        list(bootstrap_weights(3, 1.5))


def test_percentile_interval():
    v = np.random.default_rng(0).normal(size=1000)
    out = percentile_interval(v)
    assert out["ci95"] == [np.percentile(v, 2.5), np.percentile(v, 97.5)]
    assert out["mean"] == pytest.approx(v.mean())
    assert set(percentile_interval(v, level=0.8)) == {"mean", "ci80"}
    with pytest.raises(ValueError, match="draws"):
        percentile_interval([])


def _f1(tp, fp, fn):
    return float(tp / (tp + (fn + fp) / 2)) if tp + fn + fp else float("nan")


def _f1_at_far_concatenated(y, s, far):
    """F1 at a false-alarm rate (percent) on concatenated rows: the reference."""
    neg = np.sort(s[~y])
    k = int(np.clip(round(neg.size * (1 - far / 100.0)), 0, neg.size - 1))
    thr = neg[k] if far < 100 else -np.inf
    p = s > thr
    return _f1(np.sum(p & y), np.sum(p & ~y), np.sum(~p & y))


@st.composite
def _units_and_draw(draw):
    """A few units of labelled integer scores (many ties) and a draw of them."""
    n_units = draw(st.integers(1, 5))
    ys, scores = [], []
    for _ in range(n_units):
        n = draw(st.integers(1, 12))
        ys.append(np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n))))
        scores.append(np.array(draw(st.lists(st.integers(0, 4), min_size=n, max_size=n)), float))
    picks = draw(st.lists(st.integers(0, n_units - 1), min_size=1, max_size=2 * n_units))
    return ys, scores, picks


@settings(max_examples=150, deadline=None)
@given(_units_and_draw(), st.floats(0.0, 100.0))
def test_weighted_pool_equals_concatenating_the_drawn_units(case, far):
    from sklearn.metrics import roc_auc_score

    ys, scores, picks = case
    pool = WeightedScorePool(ys, scores)
    w = np.bincount(picks, minlength=len(ys)).astype(float)
    y = np.concatenate([ys[i] for i in picks])
    s = np.concatenate([scores[i] for i in picks])
    if y.any() and not y.all():
        assert pool.roc_auc(w) == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    if not y.all():
        thr = pool.threshold_at_rate(w, far / 100.0)
        got = _f1(*pool.counts_above(w, thr))
        assert got == pytest.approx(_f1_at_far_concatenated(y, s, far), abs=1e-12, nan_ok=True)
        tp, fp, fn = pool.counts_above(w, thr)
        assert tp + fn == y.sum()
        assert fp == np.sum((s > thr) & ~y)


def test_weighted_pool_rejects_mismatched_units():
    with pytest.raises(ValueError, match="same non-zero number of units"):
        WeightedScorePool([np.array([True])], [])
    with pytest.raises(ValueError, match="unit 0"):
        WeightedScorePool([np.array([True, False])], [np.array([0.1])])
