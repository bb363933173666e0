"""Tests for lupi_ts._selection (PrivilegedModelSelector, the do-no-harm selector)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_squared_error
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from lupi_ts import (
    GeneralizedDistillationRegressor,
    LuPTSRegressor,
    PrivilegedModelSelector,
    cross_fitted_outputs,
    make_privileged_windows,
)
from lupi_ts.datasets import mackey_glass


@parametrize_with_checks(
    [PrivilegedModelSelector(task="classification"), PrivilegedModelSelector(task="regression")]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def markov(n, T=6, d=8, *, seed=0, sample_seed=0):
    """A linear-Gaussian chain x_0 -> ... -> x_T -> y (LuPTS's home ground)."""
    rng = np.random.default_rng(seed)
    mats = [np.eye(d) + rng.normal(0, 0.2, (d, d)) for _ in range(T - 1)]
    beta = rng.normal(0, 0.3, d)
    rng = np.random.default_rng([seed, sample_seed])
    x = np.empty((n, T, d))
    x[:, 0] = rng.normal(0, 2.0, (n, d))
    for t in range(1, T):
        x[:, t] = x[:, t - 1] @ mats[t - 1] + rng.normal(size=(n, d))
    return x[:, 0], x[:, 1:], x[:, -1] @ beta + rng.normal(size=n)


def test_picks_lupts_where_it_clearly_wins_and_refits_it():
    X, P, y = markov(60, seed=1)
    # The 1-SE rule: the default (a 1 % one-sided t over 5 folds, 3.75 SE) keeps the
    # plain model here, as the next test shows.
    sel = PrivilegedModelSelector(LinearRegression(), gap=0, imitations=(), rule="paired")
    sel.fit(X, y, X_priv=P)
    assert sel.task_ == "regression" and sel.selected_ == "lupts"
    res = sel.cv_results_
    assert res["candidate"] == ["plain", "lupts"] and res["selected"].tolist() == [False, True]
    assert sel.gain_ == pytest.approx(res["mean_gain"][1]) and sel.gain_ > sel.gain_se_ > 0
    np.testing.assert_allclose(
        res["mean_test_score"], np.mean([res[f"split{f}_test_score"] for f in range(5)], axis=0)
    )
    ref = LuPTSRegressor().fit(X, y, X_priv=P)
    np.testing.assert_allclose(sel.predict(X), ref.predict(X), atol=1e-10)
    # Test error on fresh samples of the same system: the choice pays off.
    Xt, _, yt = markov(2000, seed=1, sample_seed=1)
    plain = LinearRegression().fit(X, y)
    assert np.mean((sel.predict(Xt) - yt) ** 2) < np.mean((plain.predict(Xt) - yt) ** 2)


def test_default_rule_is_the_one_percent_paired_t_test():
    # The default asks for 3.75 fold standard errors: the gain above (about 1.4 SE)
    # is not enough, so the plain model is kept.
    X, P, y = markov(60, seed=1)
    sel = PrivilegedModelSelector(LinearRegression(), gap=0, imitations=()).fit(X, y, X_priv=P)
    assert sel.rule == "paired_t" and sel.significance == 0.01
    assert sel.selected_ == "plain" and 0 < sel.gain_ < 3.75 * sel.gain_se_


def test_keeps_plain_when_privileged_data_is_noise():
    # X_priv independent of everything: no candidate can win honestly; across seeds
    # the selector must keep the plain model nearly always.
    kept = 0
    for seed in range(10):
        rng = np.random.default_rng(seed)
        X = rng.normal(size=(100, 3))
        y = X @ np.array([1.0, -1.0, 0.5]) + rng.normal(size=100)
        P = rng.normal(size=(100, 4, 3))
        sel = PrivilegedModelSelector(LinearRegression(), gap=0).fit(X, y, X_priv=P)
        kept += sel.selected_ == "plain"
        assert sel.best_privileged_ != "plain"
    assert kept >= 8


def test_distilled_candidate_refit_matches_manual_pipeline():
    X, P, y = markov(80, seed=2)
    sel = PrivilegedModelSelector(
        LinearRegression(), imitations=(0.5,), lupts=False, gap=0, n_se=0.0
    ).fit(X, y, X_priv=P)
    assert sel.cv_results_["candidate"] == ["plain", "distilled(imitation=0.5)"]
    if sel.selected_ == "plain":  # n_se=0 picks distillation if it is ahead at all
        assert sel.gain_ <= 0
        return
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    t = cross_fitted_outputs(
        make_pipeline(StandardScaler(), Ridge()), np.hstack([X, P.reshape(80, -1)]), y
    )
    ref = GeneralizedDistillationRegressor(student=LinearRegression(), imitation=0.5)
    ref.fit(X, y, teacher_outputs=t)
    np.testing.assert_allclose(sel.predict(X), ref.predict(X), atol=1e-10)


def test_decision_rules():
    sel = PrivilegedModelSelector()
    cands = [("plain", "plain", {}), ("a", "lupts", {})]
    # Gain 0.1 on every fold: paired SE 0 -> selected; one_se also (tiny spread).
    scores = np.array([[0.0, 1.0, 2.0, 3.0], [0.1, 1.1, 2.1, 3.1]])
    sel._choose(cands, scores)
    assert sel.selected_ == "a" and sel.gain_se_ == pytest.approx(0.0)
    sel.set_params(rule="one_se")._choose(cands, scores)
    assert sel.selected_ == "plain"  # 0.1 is far below one SE of the fold scores (~0.65)
    # A mean gain smaller than its SE is not enough for the paired rule.
    noisy = np.array([[0.0, 0.0, 0.0, 0.0], [0.3, -0.2, 0.25, -0.2]])
    sel.set_params(rule="paired")._choose(cands, noisy)
    assert sel.selected_ == "plain" and sel.gain_ > 0
    sel.set_params(n_se=0.0)._choose(cands, noisy)
    assert sel.selected_ == "a"
    # paired_t: gain 1.5 SE passes the 1-SE rule but not the 5 % one-sided t-test
    # (t_3 quantile 2.35), which 2.5 SE passes.
    base = np.zeros(4)
    d = np.array([1.0, -1.0, 1.0, -1.0]) + 0.0  # sd = 1.1547, se = 0.5774
    for k, expected in ((1.5, ("a", "plain")), (2.5, ("a", "a"))):
        scores = np.vstack([base, d + k * 0.5774])
        sel.set_params(rule="paired", n_se=1.0)._choose(cands, scores)
        assert sel.selected_ == expected[0]
        sel.set_params(rule="paired_t", significance=0.05)._choose(cands, scores)
        assert sel.selected_ == expected[1]


def test_direction_task_on_windows_with_teacher_target():
    series = mackey_glass(1500, random_state=0)
    w = make_privileged_windows(series, input_length=4, horizon=8, privileged="ALL")
    tr = w.subset(np.arange(0, 440, 4))  # 110 windows, 4 steps apart
    gap = -(-(w.lookback + w.lookahead) // 4)
    sel = PrivilegedModelSelector(n_step_features=1, teacher_inputs="last", gap=gap)
    sel.fit(tr.X, tr.y, X_priv=tr.X_priv_steps, teacher_target=tr.y_value - tr.target_last)
    assert sel.task_ == "classification" and sel.gap_ == gap
    assert len(sel.cv_results_["candidate"]) == 1 + 4 + 1
    assert np.isfinite(sel.cv_results_["mean_test_score"]).all()
    te = w.subset(np.arange(2000 // 4, len(w), 7))
    proba = sel.predict_proba(te.X)
    assert proba.shape == (len(te), 2)
    np.testing.assert_array_equal(sel.classes_, [0, 1])
    assert sel.score(te.X, te.y) > 0.6


def test_gap_auto_and_errors():
    X, P, y = markov(60, seed=3)
    sel = PrivilegedModelSelector(LinearRegression(), imitations=()).fit(X, y, X_priv=P)
    assert sel.gap_ == 0 + P.shape[1] + 1  # one input step, 5 privileged steps
    sel = PrivilegedModelSelector(LinearRegression(), imitations=(), n_step_features=4)
    sel.fit(X, y, X_priv=P.reshape(60, -1)[:, :20])  # 5 steps of 4 features; X has 2 steps
    assert sel.gap_ == 1 + 5 + 1
    with pytest.raises(ValueError, match="n_step_features"):
        PrivilegedModelSelector(teacher_inputs="last", lupts=False).fit(X, y, X_priv=P)
    with pytest.raises(ValueError, match="fold"):
        PrivilegedModelSelector(gap=30).fit(X, y, X_priv=P)
    with pytest.raises(ValueError, match="teacher_target is for classification"):
        PrivilegedModelSelector(task="regression").fit(X, y, X_priv=P, teacher_target=y)
    with pytest.raises(ValueError, match="imitations"):
        PrivilegedModelSelector(imitations=(1.5,)).fit(X, y, X_priv=P)
    with pytest.raises(InvalidParameterError):
        PrivilegedModelSelector(rule="best").fit(X, y, X_priv=P)
    with pytest.raises(ValueError, match="same number of rows"):
        PrivilegedModelSelector().fit(X, y, X_priv=P[:10])


def test_without_privileged_data_is_the_plain_model():
    X, _, y = markov(40, seed=4)
    sel = PrivilegedModelSelector(LinearRegression()).fit(X, y)
    assert sel.selected_ == "plain" and sel.cv_results_["candidate"] == ["plain"]
    np.testing.assert_allclose(sel.predict(X), LinearRegression().fit(X, y).predict(X))


def test_single_class_folds_and_failing_candidates():
    # Labels constant over the first third: the first validation fold holds one class
    # (log loss must still be defined) and the last training folds lack nothing.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 2))
    P = rng.normal(size=(90, 3, 2))
    y = (X[:, 0] + 0.3 * rng.normal(size=90) > 0).astype(int)
    y[:18] = 1
    sel = PrivilegedModelSelector(
        gap=0, n_step_features=2, imitations=(0.5,), temperatures=(1.0,), scoring="neg_log_loss"
    )
    sel.fit(X, y, X_priv=P)
    assert np.isfinite(sel.cv_results_["split0_test_score"][0])
    assert sel.n_folds_used_ == 5
    # A fold whose training rows lack a class is left out of the decision.
    y2 = y.copy()
    y2[18:] = 0
    y2[:18] = 1  # class 1 only in the first fold
    sel2 = PrivilegedModelSelector(gap=0, imitations=(), lupts=True).fit(X, y2, X_priv=P)
    assert sel2.n_folds_used_ == 4
    assert np.isnan(sel2.cv_results_["split0_test_score"]).all()
    assert np.isfinite(sel2.cv_results_["split1_test_score"]).all()
    # A privileged candidate that fails on a fold is recorded and not eligible.
    sel4 = PrivilegedModelSelector(LinearRegression(), gap=0, imitations=(), task="regression")
    sel4._candidates = lambda task, has_priv: [
        ("plain", "plain", {}),
        ("broken", "distilled", {"imitation": 2.0}),  # invalid λ: the core raises
    ]
    sel4.fit(X, X[:, 0], X_priv=P)
    assert sel4.selected_ == "plain" and sel4.best_privileged_ is None
    assert sel4.cv_results_["error"][1].startswith("fold 0:")


def test_rows_rule_tests_the_row_wise_gain_of_the_folds():
    # rule="rows_t": the one-sided t over every validation row's squared-error gain,
    # recomputed here from the same blocked folds and the candidates' own fits.
    from scipy.stats import t as student_t

    from lupi_ts import BlockedTimeSeriesSplit

    X, P, y = markov(80, seed=3)
    sel = PrivilegedModelSelector(LinearRegression(), gap=0, imitations=(), rule="rows_t")
    sel.fit(X, y, X_priv=P)
    e = []
    res = sel.cv_results_
    for f, (train, test) in enumerate(BlockedTimeSeriesSplit(n_splits=5, gap=0).split(X)):
        base = LinearRegression().fit(X[train], y[train])
        lupts = LuPTSRegressor().fit(X[train], y[train], X_priv=P[train])
        e.append((y[test] - base.predict(X[test])) ** 2 - (y[test] - lupts.predict(X[test])) ** 2)
        # the fold scores (means of the row scores) are scikit-learn's scorer values
        for c, model in enumerate((base, lupts)):
            expected = -mean_squared_error(y[test], model.predict(X[test]))
            assert res[f"split{f}_test_score"][c] == pytest.approx(expected, rel=1e-12)
    e = np.concatenate(e)
    assert res["mean_row_gain"][1] == pytest.approx(e.mean(), rel=1e-10)
    assert res["se_row_gain"][1] == pytest.approx(e.std(ddof=1) / np.sqrt(e.size), rel=1e-10)
    wins = e.mean() > student_t.ppf(0.95, e.size - 1) * e.std(ddof=1) / np.sqrt(e.size)
    assert (sel.selected_ == "lupts") == wins
    assert wins  # LuPTS's home ground: the gain is clear at n = 80


def test_rows_rule_keeps_plain_on_noise_and_needs_a_row_metric():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = X @ [1.0, -1.0, 0.5] + rng.normal(size=120)
    P = rng.normal(size=(120, 2, 3))  # unrelated to y
    chosen = [
        PrivilegedModelSelector(LinearRegression(), gap=0, imitations=(), rule="rows_t")
        .fit(X, y, X_priv=P + 0.01 * s)
        .selected_
        for s in range(5)
    ]
    assert chosen.count("plain") >= 4
    with pytest.raises(ValueError, match="rule='rows_t' tests per-row"):
        PrivilegedModelSelector(
            LinearRegression(), gap=0, imitations=(), rule="rows_t", scoring="r2"
        ).fit(X, y, X_priv=P)


@pytest.mark.parametrize("scoring", [None, "neg_log_loss"])
def test_rows_rule_classification_row_scores_average_to_the_fold_scores(scoring):
    w = make_privileged_windows(
        mackey_glass(900, random_state=0), input_length=4, horizon=6, privileged="ALL"
    )
    sel = PrivilegedModelSelector(
        n_step_features=1, rule="rows_t", scoring=scoring, imitations=(0.5,), temperatures=(1.0,)
    ).fit(w.X[:150], w.y[:150], X_priv=w.X_priv[:150])
    res = sel.cv_results_
    assert np.isfinite(res["mean_row_gain"]).all(), res["error"]
    assert res["mean_row_gain"][0] == 0.0
    # the fold scores (means of the row scores) are those of the paired_t rule's scorer
    other = clone(sel).set_params(rule="paired_t").fit(
        w.X[:150], w.y[:150], X_priv=w.X_priv[:150]
    )
    for f in range(5):
        np.testing.assert_allclose(
            res[f"split{f}_test_score"], other.cv_results_[f"split{f}_test_score"], rtol=1e-9
        )
    # Near-equal folds: the mean row gain is the mean fold gain up to fold-size weights.
    np.testing.assert_allclose(res["mean_row_gain"], res["mean_gain"], atol=0.02)
    assert sel.selected_ in res["candidate"]
