"""Tests for experiments/karlsson2022.py (``lupi-ts reproduce karlsson2022``)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from _lupts_reference import LUPTS, Baseline
from hypothesis import given, settings
from hypothesis import strategies as st
from lupi_ts.experiments import karlsson2022 as K


def authors_scan(target, L, gap):
    """The authors' sequence scan (src/fivecities/reader.py, filter_df), on hourly rows.

    Ported for this test only: timestamps are consecutive hours, so a time jump
    happens exactly after a skip of ``gap`` rows.
    """
    idx, idx_list, tmp = 0, [], []
    prev = -1
    while idx < len(target):
        diff, prev = idx - prev, idx
        if diff == 1:
            if np.isnan(target[idx]):
                if len(tmp) >= L + 1:
                    idx_list.append(tmp)
                tmp = []
                idx += gap - 1
            elif len(tmp) >= L + 1:
                idx_list.append(tmp)
                tmp = []
                idx += gap - 1
            else:
                tmp.append(idx)
        else:
            tmp = []
        idx += 1
    if len(tmp) >= L + 1:
        idx_list.append(tmp)
    return idx_list


@given(
    mask=st.lists(st.booleans(), min_size=0, max_size=200),
    L=st.integers(1, 8),
    gap=st.integers(1, 8),
)
@settings(max_examples=150, deadline=None)
def test_sequence_scan_equals_the_authors(mask, L, gap):
    target = np.where(np.array(mask, dtype=bool), np.nan, 1.0) if mask else np.zeros(0)
    ours = K.find_sequences(target, L, gap)
    ref = authors_scan(target, L, gap)
    assert ours.shape == (len(ref), L + 1)
    np.testing.assert_array_equal(ours, np.asarray(ref, dtype=np.int64).reshape(-1, L + 1))
    # Every sequence: consecutive rows, no missing target.
    if len(ours):
        assert (np.diff(ours, axis=1) == 1).all() and not np.isnan(target[ours]).any()


def test_make_system_spectral_radius_and_theta():
    rng = np.random.default_rng(0)
    mats, beta = K.make_system(rng, **K.SYNTHETIC)
    assert len(mats) == K.SYNTHETIC["seq_length"] - 1 and beta.shape == (25,)
    for A in mats:
        assert np.max(np.linalg.eigvals(A).real) == pytest.approx(1.5)
    x, y = K.sample_system(rng, mats, beta, 30, **K.SYNTHETIC)
    assert x.shape == (30, 10, 25) and y.shape == (30,)


@pytest.fixture(scope="module")
def fivecities_dir(shared_data):
    path = shared_data / "fivecities"
    if not path.is_dir():
        pytest.skip(f"five-cities reference data not found at {path}")
    return str(path)


def test_lupts_equals_authors_estimator_draw_for_draw(fivecities_dir):
    Xtr_all, ytr_all, Xte_all, yte = K.city_sequences(fivecities_dir, "shenyang", 11)
    assert Xtr_all.shape[1:] == (11, 15) and len(yte) == len(Xte_all)
    rng = np.random.default_rng(0)
    for step in K.HORIZON_STEPS[11]:
        idx = rng.choice(len(ytr_all), 150, replace=False)
        steps = np.arange(0, 11, step)
        Xtr, Xte = K.scale_and_impute(Xtr_all[idx][:, steps], Xte_all[:, steps], 6)
        assert not np.isnan(Xtr).any() and not np.isnan(Xte).any()
        y = ytr_all[idx]
        ref = LUPTS().fit(Xtr, y).predict(Xte)
        ours = K.LuPTSRegressor().fit(Xtr[:, 0], y, X_priv=Xtr[:, 1:]).predict(Xte[:, 0])
        np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-8)
        base = Baseline().fit(Xtr, y).predict(Xte)
        from sklearn.linear_model import LinearRegression

        np.testing.assert_allclose(
            LinearRegression().fit(Xtr[:, 0], y).predict(Xte[:, 0]), base, atol=1e-8
        )


def _args(tmp_path, *extra):
    parser = K.add_arguments(__import__("argparse").ArgumentParser())
    return parser.parse_args(["--out", str(tmp_path / "out"), "--quiet", *extra])


def test_quick_synthetic_run_and_resume(tmp_path, monkeypatch):
    monkeypatch.setitem(K.QUICK, "synthetic_n", [30])
    monkeypatch.setitem(K.QUICK, "synthetic_iterations", 3)
    args = _args(tmp_path, "--study", "synthetic")
    assert K.run(args) == 0
    out = tmp_path / "out"
    summary = json.loads((out / "summary.json").read_text())
    row = summary["synthetic"][0]
    assert row["n"] == 30 and set(row) >= {"ols", "lupts", "stat_lupts", "mse_ratio_lupts_ols"}
    assert row["lupts"]["mse"]["mean"] < row["ols"]["mse"]["mean"]  # n = 30 < d = 25 + 1
    assert "Synthetic systems" in (out / "report.md").read_text()
    unit = out / "units" / "synthetic" / "n0030.json"
    stamp = unit.stat().st_mtime_ns
    assert K.run(args) == 0  # resumes: the finished unit is loaded, not recomputed
    assert unit.stat().st_mtime_ns == stamp


def test_quick_fivecities_run(tmp_path, monkeypatch, fivecities_dir):
    monkeypatch.setitem(K.QUICK, "fivecities_n", [100])
    args = _args(tmp_path, "--study", "fivecities", "--data", fivecities_dir, "--draws", "3")
    assert K.run(args) == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    cells = summary["fivecities"]
    assert [(c["horizon"], c["step"]) for c in cells] == [(5, 1), (5, 2)]
    for c in cells:
        assert c["lupts"]["n"] == c["selector"]["n"] == 3
        assert c["distill_seq"]["n"] == c["distill_concat"]["n"] == 3
        assert 0.0 <= c["share_selected_lupts"] <= 1.0
    report = (tmp_path / "out" / "report.md").read_text()
    assert "Distill-Seq" in report and "Distill-Concat" in report
    assert summary["fivecities_totals"]["cells"] == 2


def test_bad_arguments(tmp_path, capsys):
    assert K.run(_args(tmp_path, "--cities", "paris")) == 2
    assert "--cities" in capsys.readouterr().err
    assert K.run(_args(tmp_path, "--horizons", "7")) == 2
    assert K.run(_args(tmp_path, "--draws", "1")) == 2


# The entry lupi_ts/cli.py needs (COMMANDS["reproduce"]); added here if cli.py lacks it.
CLI_ENTRY = (
    "karlsson2022",
    "Karlsson et al. (AISTATS 2022): LuPTS on synthetic systems and five Chinese cities.",
)


def test_command_line_entry(tmp_path, monkeypatch, capsys):
    from lupi_ts import cli

    reproduce = dict(cli.COMMANDS["reproduce"])
    reproduce.setdefault("karlsson2022", CLI_ENTRY)
    monkeypatch.setitem(cli.COMMANDS, "reproduce", reproduce)
    monkeypatch.setitem(K.QUICK, "synthetic_n", [30])
    monkeypatch.setitem(K.QUICK, "synthetic_iterations", 2)
    out = tmp_path / "cli"
    argv = ["reproduce", "karlsson2022", "--study", "synthetic", "--out", str(out), "--quiet"]
    assert cli.main(argv) == 0
    assert "Synthetic systems" in capsys.readouterr().out
    assert (out / "summary.json").is_file()


def test_post_hoc_one_se_rule_equals_the_fitted_selector(fivecities_dir):
    from sklearn.linear_model import LinearRegression

    from lupi_ts import PrivilegedModelSelector

    cfg = {"data": fivecities_dir, "draws": 4, "seed": 0}
    rec = K.fivecities_unit(cfg, "shenyang", 11, 1, 100)
    chosen = np.asarray(rec["selected_lupts"])
    # The selector's refit is the baseline or LuPTS of the same draw, exactly.
    expect = np.where(chosen, rec["lupts"], rec["baseline"])
    np.testing.assert_array_equal(rec["selector"], expect)
    t_r2, t_chose = K._one_se_rule_r2(rec)
    Xtr_all, ytr_all, Xte_all, yte = K.city_sequences(fivecities_dir, "shenyang", 11)
    for d in range(4):
        rng = np.random.default_rng([0, K.CITIES.index("shenyang"), 11, 1, 100, d])
        idx = np.sort(rng.choice(len(ytr_all), 100, replace=False))
        Xtr, Xte = K.scale_and_impute(Xtr_all[idx], Xte_all, 6)
        sel = PrivilegedModelSelector(
            LinearRegression(), task="regression", imitations=(), gap=0, rule="paired", n_se=1.0
        ).fit(Xtr[:, 0], ytr_all[idx], X_priv=Xtr[:, 1:])
        assert (sel.selected_ == "lupts") == t_chose[d]
        assert K._r2(yte, sel.predict(Xte[:, 0])) == pytest.approx(t_r2[d], abs=1e-12)
