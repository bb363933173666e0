"""The Hayashi et al. (2019) experiment: end to end on tiny settings, resumability,
determinism, configuration protection and the statistics helpers."""

from __future__ import annotations

import json
import math
import stat

import numpy as np
import pytest
from lupi_ts.experiments import hayashi2019 as H
from lupi_ts.experiments.hayashi2019 import config as HC
from lupi_ts.experiments.hayashi2019 import data as HD
from lupi_ts.experiments.hayashi2019 import extra as HX
from lupi_ts.experiments.hayashi2019 import models as HM
from lupi_ts.experiments.hayashi2019 import repeat as HR
from lupi_ts.experiments.hayashi2019 import runner as HRun

from lupi_ts import get_task


def tiny_config(**protocol):
    """The shipped configuration cut down to a grid that runs in about a second."""
    cfg = H.load_config()
    cfg["run"].update(tasks=["mackey-glass", "pm25-a"], repeats=2, seed=3)
    cfg["grid"].update(
        privileged=["AI", "BAO"], imitation=[0.0, 0.5], temperature=[1.0, 5.0],
        penalty=["none", "l2"], C=[1.0],
    )  # fmt: skip
    cfg["teacher"].update(penalty=["l2"], C=[1.0])
    cfg["protocol"].update(protocol)
    return cfg


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("hayashi") / "run"
    summary = H.run_experiment(tiny_config(), out, progress=False)
    return out, summary


# ------------------------------------------------------------------- selection

# mean_ci and paired_comparison are lupi_ts.stats' (tests/test_stats.py).


def test_summary_uses_the_statistics_module(finished_run):
    from lupi_ts.stats import mean_ci, paired_comparison

    out, summary = finished_run
    reps = [json.loads(p.read_text()) for p in sorted((out / "repeats" / "pm25-a").glob("*.json"))]
    base = [r["baseline_test_accuracy"] for r in reps]
    stud = [r["student_test_accuracy"] for r in reps]
    assert summary["pm25-a"]["baseline"] == mean_ci(base)
    assert summary["pm25-a"]["delta"] == paired_comparison(stud, base)


def test_select_prefers_accuracy_then_log_loss_then_order():
    acc = np.array([0.8, 0.9, 0.9, 0.9])
    ll = np.array([0.1, 0.5, 0.4, 0.4])
    assert HM.select(acc, ll, "accuracy") == 2  # best accuracy, lower loss, first of a tie
    assert HM.select(acc, ll, "log_loss") == 0
    assert HM.select(acc, ll, "accuracy", candidates=[True, True, False, False]) == 1


def test_config_hash_ignores_run_size_but_not_protocol():
    a, b = H.load_config(), H.load_config()
    b["run"]["repeats"], b["run"]["tasks"] = 99, ["pm25-a"]
    assert H.config_hash(a) == H.config_hash(b)
    b["protocol"]["selection"] = "blocked-cv"
    assert H.config_hash(a) != H.config_hash(b)


# ------------------------------------------------------------------------ end to end


def test_outputs_and_keys(finished_run):
    out, summary = finished_run
    for name in ("summary.json", "runs.csv", "report.md", "config.json",
                 "delta_distribution.png", "accuracy_vs_imitation_pm25-a.png"):  # fmt: skip
        assert (out / name).stat().st_size > 0, name
    on_disk = json.loads((out / "summary.json").read_text())
    assert set(on_disk) == {"mackey-glass", "pm25-a"}
    for task, entry in on_disk.items():
        for key in ("baseline", "student", "teacher_AI", "teacher_BAO", "ar_baseline"):
            lo, hi = entry[key]["ci95"]
            assert 0.0 <= entry[key]["mean"] <= 1.0 and lo <= entry[key]["mean"] <= hi
        d = entry["delta"]
        assert {"mean", "ci95", "p_value", "wins", "ties", "losses"} <= set(d)
        assert d["wins"] + d["ties"] + d["losses"] == entry["repeats"] == 2
        assert entry["paper"]["baseline"] == get_task(task).reported_baseline.accuracy
        assert sum(entry["selected"]["student"].values()) == 2
    report = (out / "report.md").read_text()
    assert "| mackey-glass | 2 | 0.971 |" in report
    # Only what this run computed: the findings across runs are in docs/findings.md.
    assert "What we found" not in report and "docs/findings.md" in report
    assert "pm25-a 110 / 100 / 184" in report and "pm25-b" not in report


def test_runs_csv_has_one_row_per_configuration(finished_run):
    out, _ = finished_run
    rows = (out / "runs.csv").read_text().splitlines()
    # Students: (none + l2 x 1 C) x (1 + 2 types x 2 T x 1 λ) targets; teachers: 2 types x
    # 1 config; AR: 1 — per task and repeat.
    assert len(rows) - 1 == 2 * 2 * (2 * 5 + 2 + 1)
    header = rows[0].split(",")
    assert header[:3] == ["task", "repeat", "model"]


def test_student_selection_is_consistent_with_stored_scores(finished_run):
    out, _ = finished_run
    rep = json.loads((out / "repeats" / "pm25-a" / "r0001.json").read_text())
    s = rep["student"]
    best = HM.select(s["select_accuracy"], s["select_log_loss"], "accuracy")
    assert rep["chosen"]["student"] == best
    assert rep["student_test_accuracy"] == s["test_accuracy"][best]
    # The student's validation score is at least the baseline's (λ = 0 is in its grid).
    assert s["select_accuracy"][best] >= s["select_accuracy"][rep["chosen"]["baseline"]]


def test_resume_recomputes_only_missing_repeats(finished_run, tmp_path, monkeypatch):
    out, _ = finished_run
    copy = tmp_path / "copy"
    import shutil

    shutil.copytree(out, copy)
    before = (copy / "summary.json").read_bytes()
    (copy / "repeats" / "pm25-a" / "r0001.json").unlink()
    calls = []
    original = HR.run_repeat

    def counting(task, repeat, cfg):
        calls.append((task, repeat))
        return original(task, repeat, cfg)

    monkeypatch.setattr(HR, "run_repeat", counting)
    H.run_experiment(tiny_config(), copy, progress=False)
    assert calls == [("pm25-a", 1)]
    assert (copy / "summary.json").read_bytes() == before


def test_same_seed_same_summary(finished_run, tmp_path):
    out, _ = finished_run
    cfg = tiny_config()
    cfg["run"]["tasks"] = ["pm25-a"]
    H.run_experiment(cfg, tmp_path / "again", progress=False)
    first = json.loads((out / "summary.json").read_text())["pm25-a"]
    again = json.loads((tmp_path / "again" / "summary.json").read_text())["pm25-a"]
    assert again == first


def test_other_configuration_is_refused(finished_run, capsys):
    out, _ = finished_run
    cfg = tiny_config()
    cfg["run"]["seed"] = 4
    with pytest.raises(H.ConfigMismatchError, match="different configuration"):
        H.run_experiment(cfg, out, progress=False)
    # Through the command line: a clear message and exit status 2, nothing written.
    assert H.main(["--out", str(out), "--seed", "5", "--quiet"]) == 2
    assert "different configuration" in capsys.readouterr().err


def test_improved_protocol_options_run(tmp_path):
    cfg = tiny_config(
        selection="blocked-cv", metric="log_loss", teacher_inputs="both",
        teacher_logits="cross-fit", placement="contiguous",
    )  # fmt: skip
    cfg["run"].update(tasks=["pm25-a"], repeats=1)
    summary = H.run_experiment(cfg, tmp_path / "cv", progress=False)
    entry = summary["pm25-a"]
    assert entry["selection"] == "blocked-cv" and entry["teacher_inputs"] == "both"
    assert 0.0 <= entry["student"]["mean"] <= 1.0
    rep = json.loads((tmp_path / "cv" / "repeats" / "pm25-a" / "r0000.json").read_text())
    # Contiguous placement: no missing pm2.5 value anywhere in the placed span.
    from lupi_ts.datasets import load_beijing_pm25

    lo, hi = rep["placement"]["train"][0], rep["placement"]["test"][1]
    assert not load_beijing_pm25()["pm2.5"].iloc[lo - 2 : hi + 16].isna().any()


def test_cross_fitted_logits_are_out_of_fold():
    # A teacher that memorises its rows gives confident in-sample logits; the
    # out-of-fold logits of pure-noise labels must carry no such confidence.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 30))
    y = (rng.uniform(size=100) < 0.5).astype(float)
    cfg = H.load_config()
    regs = [("l2", 100.0)]
    oof = HM.cross_fitted_logits(X, y, regs, cfg)[:, 0]
    fits = HM.fit_grid(X, y, regs, cfg["solver"])
    in_sample = HM.decision(fits, X)[:, 0, 0]
    assert np.mean((in_sample > 0) == (y > 0.5)) > 0.8
    assert np.mean((oof > 0) == (y > 0.5)) < 0.7


def test_bad_protocol_values_are_rejected(tmp_path):
    with pytest.raises(ValueError, match="selection"):
        H.run_experiment(tiny_config(selection="test-set"), tmp_path / "x", progress=False)
    cfg = tiny_config()
    cfg["run"]["tasks"] = ["pm10"]
    with pytest.raises(ValueError, match="tasks"):
        H.run_experiment(cfg, tmp_path / "y", progress=False)
    cfg = tiny_config()
    cfg["grid"]["imitation"] = [0.5]
    with pytest.raises(ValueError, match="contain 0"):
        H.run_experiment(cfg, tmp_path / "z", progress=False)


def test_cli_options_map_to_the_configuration():
    import argparse

    parser = H.add_arguments(argparse.ArgumentParser())
    args = parser.parse_args(
        ["--tasks", "pm25-a,pm25-b", "--full", "--seed", "7", "--selection", "blocked-cv"]
    )
    cfg = H.config_from_args(args)
    assert cfg["run"]["tasks"] == ["pm25-a", "pm25-b"]
    assert cfg["run"]["repeats"] == 50 and cfg["run"]["seed"] == 7
    assert cfg["protocol"]["selection"] == "blocked-cv"


def test_docstring_examples_of_the_experiment_modules():
    # experiments/ is outside the doctest collection path of setup.cfg.
    import doctest

    attempted = 0
    for module in (H, HC, HD, HM, HR, HRun, HX):
        result = doctest.testmod(
            module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
        )
        assert result.failed == 0, module.__name__
        attempted += result.attempted
    assert attempted > 0


def test_result_files_are_readable_by_others(finished_run):
    out, _ = finished_run
    for path in [*out.glob("*.*"), *out.glob("repeats/*/*.json")]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


def test_extra_model_rows_on_the_same_placements(finished_run, tmp_path, monkeypatch):
    monkeypatch.setitem(H.EXTRA_MODELS, "svmplus", (H.EXTRA_MODELS["svmplus"][0], [{"C": 1.0}]))
    cfg = tiny_config()
    cfg["run"].update(tasks=["pm25-a"], repeats=2)
    cfg["models"] = {"extra": ["svmplus"]}
    summary = H.run_experiment(cfg, tmp_path / "extra", progress=False)
    entry = summary["pm25-a"]
    assert 0.0 <= entry["svmplus"]["mean"] <= 1.0
    assert entry["delta_svmplus"]["wins"] + entry["delta_svmplus"]["ties"] + entry[
        "delta_svmplus"
    ]["losses"] == 2
    # Paired on the same placements: the logistic numbers equal those of a run
    # without the extra row.
    plain = finished_run[1]["pm25-a"]
    assert plain["baseline"] == entry["baseline"] and plain["student"] == entry["student"]
    assert "| pm25-a | svmplus |" in (tmp_path / "extra" / "report.md").read_text()
    rows = (tmp_path / "extra" / "runs.csv").read_text().splitlines()
    assert sum(row.split(",")[2] == "svmplus" for row in rows) == 2


def test_models_option():
    import argparse

    parser = H.add_arguments(argparse.ArgumentParser())
    cfg = H.config_from_args(parser.parse_args(["--models", "logistic,svmplus,kt"]))
    assert cfg["models"]["extra"] == ["svmplus", "kt"]
    cfg = H.config_from_args(parser.parse_args(["--models", "logistic"]))
    assert "models" not in cfg  # logistic-only runs keep their configuration hash
    with pytest.raises(ValueError, match="--models"):
        H.config_from_args(parser.parse_args(["--models", "logistic,forest"]))


def test_mlp_rows_baseline_and_distilled(finished_run, tmp_path, monkeypatch):
    pytest.importorskip("torch")  # the neural row needs the optional torch extra
    tiny = {**HX.MLP_SETTINGS, "max_epochs": 2, "teacher": {"name": "mlp", "hidden": [4]},
            "student": {"name": "mlp", "hidden": [4]}}  # fmt: skip
    grid = [{**tiny, "imitation": 0.0, "temperature": 1.0},
            {**tiny, "imitation": 0.5, "temperature": 5.0}]  # fmt: skip
    monkeypatch.setitem(H.EXTRA_MODELS, "mlp", (H.EXTRA_MODELS["mlp"][0], grid))
    cfg = tiny_config()
    cfg["run"].update(tasks=["pm25-a"], repeats=2)
    cfg["models"] = {"extra": ["mlp"]}
    summary = H.run_experiment(cfg, tmp_path / "mlp", progress=False)
    entry = summary["pm25-a"]
    for row in ("mlp_baseline", "mlp"):
        assert 0.0 <= entry[row]["mean"] <= 1.0
        assert entry[f"delta_{row}"]["n"] == 2
    gain = entry["delta_mlp_vs_baseline"]
    assert gain["wins"] + gain["ties"] + gain["losses"] == 2
    reps = [json.loads(p.read_text()) for p in sorted((tmp_path / "mlp").glob("repeats/*/*.json"))]
    for r in reps:
        base, dist = r["extra_models"]["mlp_baseline"], r["extra_models"]["mlp"]
        assert base["params"] == {"imitation": 0.0, "temperature": 1.0}
        assert base["privileged"] == "-"  # λ = 0 ignores the teacher: fitted once
        # The distilled row is chosen over the whole grid, λ = 0 included.
        assert dist["select_accuracy"] >= base["select_accuracy"]
    # Same placements: the logistic numbers are those of the run without the row.
    plain = finished_run[1]["pm25-a"]
    assert plain["baseline"] == entry["baseline"] and plain["student"] == entry["student"]
    report = (tmp_path / "mlp" / "report.md").read_text()
    assert "| pm25-a | mlp_baseline |" in report and "| pm25-a | mlp |" in report
    # Deterministic: a second run in a fresh folder gives the same summary.
    again = H.run_experiment(cfg, tmp_path / "mlp2", progress=False)
    assert again["pm25-a"]["mlp"] == entry["mlp"]


def test_mlp_needs_torch(monkeypatch):
    import argparse
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a)
    )
    parser = H.add_arguments(argparse.ArgumentParser())
    with pytest.raises(ValueError, match=r"torch.*lupi-ts\[torch\]"):
        H.config_from_args(parser.parse_args(["--model", "mlp"]))
    cfg = tiny_config()
    cfg["models"] = {"extra": ["mlp"]}
    with pytest.raises(ValueError, match="torch"):
        H.run_experiment(cfg, "/nonexistent/never-written", progress=False)


def test_model_alias_and_default_mlp_grid():
    import argparse

    pytest.importorskip("torch")  # --model mlp is refused without torch (tested above)

    parser = H.add_arguments(argparse.ArgumentParser())
    cfg = H.config_from_args(parser.parse_args(["--model", "mlp"]))
    assert cfg["models"]["extra"] == ["mlp"]
    grid = H.EXTRA_MODELS["mlp"][1]
    assert [p["imitation"] for p in grid].count(0.0) == 1  # one baseline setting
    assert all(p["device"] == "cpu" and p["random_state"] == 0 for p in grid)


# ------------------------------------------------------------- regression teacher


def test_regression_teacher_grid_is_lupi_ts_fit_ridge_grid():
    # The experiment's ridge teacher is the library's (lupi_ts.fit_ridge_grid, tested
    # against the normal equations in test_teachers.py): "none" is C = inf.
    from lupi_ts import fit_ridge_grid

    cfg = H.load_config()
    cfg["protocol"].update(teacher_model="regression", teacher_inputs="last")
    arrays = HD.task_arrays("pm25-a", *HD.data_key(cfg, "pm25-a"))
    rows = np.arange(100, 210)
    regs = HC.teacher_regs(cfg)
    assert HM.ridge_Cs(regs)[0] == math.inf and len(regs) == len(HM.ridge_Cs(regs))
    logits = HM.fit_teacher(arrays, cfg, "BAO", rows, regs)(rows)
    Xf = HM.teacher_design(arrays, "BAO", rows, "last")
    change = arrays["change"][rows]
    expected = fit_ridge_grid(Xf, change, HM.ridge_Cs(regs)).predict(Xf) / change.std()
    assert np.array_equal(logits, expected)


def test_teacher_inputs_last_appends_the_last_input_step():
    cfg = H.load_config()
    arrays = HD.task_arrays("pm25-a", *HD.data_key(cfg, "pm25-a"))
    rows = np.arange(5, 15)
    nf = arrays["n_features"]
    assert arrays["X"].shape[1] == get_task("pm25-a").input_length * nf
    Xt = HM.teacher_design(arrays, "BAO", rows, "last")
    assert np.array_equal(Xt[:, : arrays["X_priv"]["BAO"].shape[1]], arrays["X_priv"]["BAO"][rows])
    assert np.array_equal(Xt[:, -nf:], arrays["X"][rows, -nf:])
    # The label is the sign of the change a regression teacher predicts.
    assert np.array_equal(arrays["y"] > 0.5, arrays["change"] >= 0)


def test_cross_fitted_ridge_predictions_are_out_of_fold():
    rng = np.random.default_rng(0)
    n = 100
    arrays = {"X_priv": {"BAO": rng.normal(size=(n, 40))}, "X": rng.normal(size=(n, 2)),
              "n_features": 1, "change": rng.normal(size=n)}  # fmt: skip
    cfg = H.load_config()
    cfg["protocol"]["teacher_inputs"] = "last"
    rows = np.arange(n)
    oof = HM.cross_fitted_predictions(arrays, cfg, "BAO", rows, ("none", math.inf))
    in_sample = HM.fit_teacher(arrays, cfg | {"protocol": {**cfg["protocol"],
                               "teacher_model": "regression"}}, "BAO", rows,
                               [("none", math.inf)])(rows)[:, 0]  # fmt: skip
    # 41 inputs on 100 noise rows: in-sample fits follow the noise, out-of-fold ones do not.
    assert np.corrcoef(in_sample, arrays["change"])[0, 1] > 0.5
    assert np.corrcoef(oof, arrays["change"])[0, 1] < 0.3


def test_regression_teacher_option(finished_run, tmp_path):
    cfg = tiny_config(teacher_model="regression", teacher_inputs="last", metric="log_loss")
    cfg["teacher"].update(penalty=["none", "l2", "l1"], C=[1.0])
    cfg["run"].update(tasks=["pm25-a"], repeats=1)
    assert H.config_hash(cfg) != H.config_hash(tiny_config())
    summary = H.run_experiment(cfg, tmp_path / "reg", progress=False)
    assert summary["pm25-a"]["teacher_model"] == "regression"
    rep = json.loads((tmp_path / "reg" / "repeats" / "pm25-a" / "r0000.json").read_text())
    plain = json.loads((finished_run[0] / "repeats" / "pm25-a" / "r0000.json").read_text())
    assert rep["placement"] == plain["placement"]  # same placements as the paper protocol
    t = rep["teachers"]["BAO"]
    # A ridge teacher has no l1 grid: none and l2 C=1; chosen by validation squared error.
    assert len(t["test_accuracy"]) == 2 and t["chosen"] == int(np.argmin(t["select_mse"]))
    # Other soft labels, other students; λ = 0 targets are the hard labels in both runs.
    n_t = rep["n_targets"]
    new = np.reshape(rep["student"]["select_log_loss"], (-1, n_t))
    old = np.reshape(plain["student"]["select_log_loss"], (-1, n_t))
    assert np.allclose(new[:, 0], old[:, 0], rtol=1e-6)
    assert not np.allclose(new[:, 1:], old[:, 1:], rtol=1e-3)
    report = (tmp_path / "reg" / "report.md").read_text()
    assert "teacher model: **regression**" in report
    # With the log-loss rule the students are also compared with the accuracy-rule baseline.
    assert _baseline_by_accuracy_ok(plain)
    entry = summary["pm25-a"]
    assert entry["delta_vs_baseline_by_accuracy"]["mean"] == pytest.approx(
        entry["student"]["mean"] - entry["baseline_by_accuracy"]["mean"]
    )
    assert "baseline (accuracy rule)" in report
    again = H.run_experiment(cfg, tmp_path / "reg2", progress=False)  # deterministic
    assert again == summary


def _baseline_by_accuracy_ok(rep):
    # The accuracy-rule baseline recomputed from stored scores is the one the
    # accuracy run chose.
    return HRun.baseline_by_accuracy(rep) == rep["baseline_test_accuracy"]


def test_teacher_model_default_keeps_the_hash_and_bad_values_are_refused(tmp_path):
    plain = H.load_config()
    plain["protocol"].pop("teacher_model", None)
    assert H.config_hash(H.load_config()) == H.config_hash(plain)
    with pytest.raises(ValueError, match="teacher_model"):
        H.run_experiment(tiny_config(teacher_model="tree"), tmp_path / "x", progress=False)
    with pytest.raises(ValueError, match="teacher_inputs"):
        H.run_experiment(tiny_config(teacher_inputs="all"), tmp_path / "y", progress=False)
    cfg = tiny_config(teacher_model="regression")
    cfg["teacher"]["penalty"] = ["l1"]
    with pytest.raises(ValueError, match="teacher.penalty"):
        H.run_experiment(cfg, tmp_path / "z", progress=False)


def test_cli_teacher_model_and_inputs():
    import argparse

    parser = H.add_arguments(argparse.ArgumentParser())
    cfg = H.config_from_args(
        parser.parse_args(["--teacher-model", "regression", "--teacher-inputs", "last"])
    )
    assert cfg["protocol"]["teacher_model"] == "regression"
    assert cfg["protocol"]["teacher_inputs"] == "last"
    assert H.config_hash(cfg) != H.config_hash(H.load_config())


def test_ar_teacher_option(finished_run, tmp_path):
    cfg = tiny_config(ar_teacher=True)
    cfg["run"].update(tasks=["pm25-a"], repeats=1)
    assert H.config_hash(cfg) != H.config_hash(tiny_config())
    summary = H.run_experiment(cfg, tmp_path / "ar", progress=False)
    assert summary["pm25-a"]["ar_teacher"] is True
    rep = json.loads((tmp_path / "ar" / "repeats" / "pm25-a" / "r0000.json").read_text())
    plain = json.loads((finished_run[0] / "repeats" / "pm25-a" / "r0000.json").read_text())
    assert rep["placement"] == plain["placement"]
    # The AR teacher is the AR baseline's model: same test accuracy.
    assert rep["teachers"]["AR"]["test_accuracy"] == [rep["ar_baseline"]["test_accuracy"]]
    assert rep["teachers"]["AR"]["lags"] == rep["ar_baseline"]["lags"]
    # One more teacher type: (λ > 0 settings) x T more target columns, the rest unchanged.
    extra = (len(cfg["grid"]["imitation"]) - 1) * len(cfg["grid"]["temperature"])
    assert rep["n_targets"] == plain["n_targets"] + extra
    new = np.reshape(rep["student"]["select_log_loss"], (-1, rep["n_targets"]))
    old = np.reshape(plain["student"]["select_log_loss"], (-1, plain["n_targets"]))
    assert np.allclose(new[:, : plain["n_targets"]], old, rtol=1e-6)
    specs = HC.target_specs(cfg)
    assert [s[0] for s in specs[plain["n_targets"]:]] == ["AR"] * extra
    # Its logits are the forecast change in units of the training change's sd, a
    # linear function of the window's last lags (the student can represent them).
    from lupi_ts import split_blocks

    arrays = HD.task_arrays("pm25-a", *HD.data_key(cfg, "pm25-a"))
    task = get_task("pm25-a")
    train, _, test = split_blocks(
        arrays["windows"], task.sizes,
        random_state=np.random.default_rng(HD.repeat_seed(3, "pm25-a", 0)),
    )  # fmt: skip
    z, record = HM.ar_teacher(arrays, task, train, test, cfg)
    assert record["test_accuracy"] == rep["teachers"]["AR"]["test_accuracy"]
    lags = np.column_stack([arrays["series"][arrays["t"][train] - j] for j in range(3)])
    design = np.column_stack([lags, np.ones(train.size)])
    coef, *_ = np.linalg.lstsq(design, z[:, 0], rcond=None)
    assert np.allclose(design @ coef, z[:, 0], atol=1e-8)
    assert np.corrcoef(z[:, 0], arrays["change"][train])[0, 1] > 0.1
    report = (tmp_path / "ar" / "report.md").read_text()
    assert "plus the AR teacher" in report and "teacher AR" in report
    csv_text = (tmp_path / "ar" / "runs.csv").read_text()
    assert ",teacher,AR,," in csv_text


def test_ar_teacher_default_keeps_the_hash_and_bad_values_are_refused(tmp_path):
    assert H.config_hash(tiny_config(ar_teacher=False)) == H.config_hash(tiny_config())
    with pytest.raises(ValueError, match="ar_teacher needs selection"):
        H.run_experiment(
            tiny_config(ar_teacher=True, selection="blocked-cv"), tmp_path / "x", progress=False
        )
    with pytest.raises(ValueError, match="true or false"):
        H.run_experiment(tiny_config(ar_teacher="yes"), tmp_path / "y", progress=False)
    cfg = tiny_config()
    cfg["grid"]["privileged"] = ["AI", "AR"]
    with pytest.raises(ValueError, match="must not contain 'AR'"):
        H.run_experiment(cfg, tmp_path / "z", progress=False)
    assert not any((tmp_path / d).exists() for d in "xyz")
    args = H.add_arguments(__import__("argparse").ArgumentParser()).parse_args(["--ar-teacher"])
    assert H.config_from_args(args)["protocol"]["ar_teacher"] is True
    args = H.add_arguments(__import__("argparse").ArgumentParser()).parse_args([])
    assert H.config_from_args(args)["protocol"]["ar_teacher"] is False


def test_compare_summaries_script(finished_run, tmp_path, capsys):
    # studies/compare_summaries.py: the numbers-unchanged check of refactorings.
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from studies import compare_summaries

    out, summary = finished_run
    same = tmp_path / "same.json"
    same.write_text(json.dumps(summary))
    assert compare_summaries.main([str(out / "summary.json"), str(same)]) == 0
    assert "agree" in capsys.readouterr().out
    summary["pm25-a"]["delta"]["p_value"] += 1e-9
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(summary))
    assert compare_summaries.main([str(out / "summary.json"), str(changed)]) == 1
    assert "DIFF pm25-a.delta.p_value" in capsys.readouterr().out
    assert compare_summaries.main([str(out / "summary.json"), str(changed), "--tol", "1e-6"]) == 0
