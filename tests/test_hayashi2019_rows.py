"""LuPTS and the do-no-harm selector as rows of the Hayashi et al. (2019) experiment
(``--models logistic,lupts,selector``): the trajectory they read, the rows' records,
their pairing against the baseline and the AR baseline, and the configuration hash."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest
from lupi_ts.experiments import hayashi2019 as H
from lupi_ts.experiments.hayashi2019 import data as HD
from lupi_ts.experiments.hayashi2019 import extra as HX
from sklearn.linear_model import LinearRegression, Ridge

from lupi_ts import LuPTSRegressor, get_task
from lupi_ts.stats import paired_comparison


def tiny_config():
    cfg = H.load_config()
    cfg["run"].update(tasks=["pm25-a"], repeats=2, seed=3)
    cfg["grid"].update(
        privileged=["AI", "BAO"], imitation=[0.0, 0.5], temperature=[1.0],
        penalty=["l2"], C=[1.0],
    )  # fmt: skip
    cfg["teacher"].update(penalty=["l2"], C=[1.0])
    return cfg


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The same tiny configuration without and with the trajectory rows."""
    root = tmp_path_factory.mktemp("hayashi_rows")
    plain = H.run_experiment(tiny_config(), root / "plain", progress=False)
    cfg = tiny_config()
    cfg["models"] = {"extra": ["lupts", "selector"]}
    with_rows = H.run_experiment(cfg, root / "rows", progress=False)
    return root, plain, with_rows


def test_trajectory_holds_every_step_between_input_and_output():
    cfg = H.load_config()
    key = HD.data_key(cfg, "pm25-a")
    arrays = HD.task_arrays("pm25-a", *key)
    traj = HD.task_trajectory("pm25-a", *key)
    task = get_task("pm25-a")
    d = arrays["n_features"]
    assert traj.shape == (arrays["X"].shape[0], task.horizon - 1, d)
    # Step j of the trajectory is x_{t+j}: the AI windows' privileged steps t+1, t+2
    # and the BAO windows' step t+k-1 are among them (same common rows).
    ok = np.isfinite(traj).all(axis=(1, 2))
    assert ok.mean() > 0.99  # only windows touching a gap left after interpolation lack it
    ai = arrays["X_priv"]["AI"].reshape(-1, 2, d)
    np.testing.assert_array_equal(traj[ok, :2], ai[ok])
    bao = arrays["X_priv"]["BAO"].reshape(-1, 2, d)
    np.testing.assert_array_equal(traj[ok, -1], bao[ok, 0])


def test_rows_are_recorded_and_paired_against_baseline_and_ar(runs):
    root, plain, with_rows = runs
    entry = with_rows["pm25-a"]
    # Same placements: the logistic rows are those of a run without the extra rows.
    for key in ("baseline", "student", "ar_baseline", "delta"):
        assert entry[key] == plain["pm25-a"][key]
    reps = [
        json.loads(p.read_text()) for p in sorted((root / "rows" / "repeats" / "pm25-a").glob("*"))
    ]
    ar = [r["ar_baseline"]["test_accuracy"] for r in reps]
    base = [r["baseline_test_accuracy"] for r in reps]
    for name in ("lupts", "selector"):
        accs = [r["extra_models"][name]["test_accuracy"] for r in reps]
        assert all(r["extra_models"][name]["privileged"] == "ALL" for r in reps)
        assert entry[f"delta_{name}"] == paired_comparison(np.array(accs), np.array(base))
        assert entry[f"delta_{name}_vs_ar"] == paired_comparison(np.array(accs), np.array(ar))
        assert sum(entry["selected_models"][name].values()) == len(reps)
    grid_alphas = {p["alpha"] for p in HX.EXTRA_MODELS["lupts"][1]}
    assert all(r["extra_models"]["lupts"]["params"]["alpha"] in grid_alphas for r in reps)
    for r in reps:  # the selector row keeps its own choice and the CV evidence
        sel = r["extra_models"]["selector"]
        assert sel["selected"] == "plain" or sel["selected"] == sel["best_privileged"]
        assert len(sel["cv_gain"]) == 2
    report = (root / "rows" / "report.md").read_text()
    assert "| pm25-a | lupts |" in report and "| pm25-a | selector |" in report
    assert "Δ vs AR baseline" in report
    csv_rows = (root / "rows" / "runs.csv").read_text().splitlines()
    assert sum(row.split(",")[2] == "lupts" for row in csv_rows) == len(reps)


def test_rows_do_not_change_the_hash_of_runs_without_them():
    parser = H.add_arguments(argparse.ArgumentParser())
    default = H.config_from_args(parser.parse_args([]))
    logistic = H.config_from_args(parser.parse_args(["--models", "logistic"]))
    rows = H.config_from_args(parser.parse_args(["--models", "logistic,lupts,selector"]))
    assert H.config_hash(default) == H.config_hash(logistic)
    assert H.config_hash(rows) != H.config_hash(default)
    assert rows["models"]["extra"] == ["lupts", "selector"]


def test_lupts_row_predicts_the_direction_of_its_forecast():
    rng = np.random.default_rng(0)
    x = np.cumsum(rng.normal(size=300))
    X = np.stack([x[i : i + 3] for i in range(290)])
    traj = np.stack([x[i + 3 : i + 6] for i in range(290)])[:, :, None]
    value = x[6:296]
    y = (X[:, -1] <= value).astype(int)
    model = HX.LuPTSDirection(alpha=None, last_column=2).fit(X, y, X_priv=traj, value=value)
    forecast = LuPTSRegressor().fit(X, value, X_priv=traj).predict(X)
    np.testing.assert_array_equal(model.predict(X), (X[:, -1] <= forecast).astype(int))
    # features="target" keeps one column of each step
    multi = np.concatenate([traj, rng.normal(size=traj.shape)], axis=2)
    one = HX.LuPTSDirection(features="target", alpha=1.0, last_column=2)
    one.fit(X, y, X_priv=multi, value=value)
    assert one.model_.n_priv_features_in_ == 1


def test_carry_inputs_lupts_composes_to_the_plain_fit():
    # Why the LuPTS row does not use carry_inputs=True: with X in every transition and
    # in the last step, least-squares residuals are orthogonal to X at every step, so
    # on centred columns (as the experiment's) the composed predictor is the
    # projection of y on X: ordinary least squares on X alone, whatever the
    # trajectory (even noise), and the same holds for the ridge fit. The row would
    # repeat a plain model; its LuPTS (carry_inputs=False) does not.
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 6))
    X -= X.mean(axis=0)
    value = X @ rng.normal(size=6) + rng.normal(size=80)
    ols = LinearRegression().fit(X, value).coef_
    ridge = Ridge(alpha=10.0).fit(X, value).coef_
    for traj in (rng.normal(size=(80, 5, 3)), rng.normal(size=(80, 2, 1))):
        traj -= traj.mean(axis=0)
        with pytest.warns(FutureWarning, match="deprecated"):  # for exactly this reason
            lupts = LuPTSRegressor(carry_inputs=True).fit(X, value, X_priv=traj)
        np.testing.assert_allclose(lupts.coef_, ols, atol=1e-10)
        lupts = LuPTSRegressor(carry_inputs=True, regularization="ridge", alpha=10.0)
        with pytest.warns(FutureWarning, match="deprecated"):
            lupts.fit(X, value, X_priv=traj)
        np.testing.assert_allclose(lupts.coef_, ridge, atol=1e-10)
        plain_lupts = LuPTSRegressor().fit(X, value, X_priv=traj)
        assert np.abs(plain_lupts.coef_ - ols).max() > 1e-3
