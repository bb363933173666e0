"""The Hayashi et al. (2019) variant study (studies/): outputs, determinism, resume, the
stored numbers of the code before the split, the cross-check against the main
experiment's code path, and option errors."""

from __future__ import annotations

import copy
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from lupi_ts.experiments import harness
from lupi_ts.experiments import hayashi2019 as H
from lupi_ts.experiments.hayashi2019 import data as HD
from lupi_ts.experiments.hayashi2019 import models as HM

# The development studies live in the repository's studies/ folder (not in the wheel).
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from studies import hayashi2019_teachers as VT  # noqa: E402
from studies import hayashi2019_variants as V  # noqa: E402

TASK, SEED = "pm25-a", 3
VARIANTS = [
    "paper", "reg_last", "reg_both_cal", "combo", "lowT", "oracle", "hindsight", "ar", "ar_combo",
    "ar_ridge", "var", "var_combo",
]  # fmt: skip


def tiny_config():
    """The shipped configuration with a grid that fits in a fraction of a second."""
    cfg = H.load_config()
    cfg["grid"].update(
        privileged=["AI", "BAO"], imitation=[0.0, 0.5], temperature=[1.0, 5.0],
        penalty=["none", "l2"], C=[1.0],
    )  # fmt: skip
    cfg["teacher"].update(penalty=["l2"], C=[0.1, 1.0])
    return cfg


def study(out, **kw):
    options = dict(tasks=[TASK], seeds=[SEED], repeats=2, variants=VARIANTS, progress=False)
    options.update(kw)
    return V.run_study(tiny_config(), out, **options)


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    out = tmp_path_factory.mktemp("variants") / "run"
    return out, study(out)


def test_outputs_and_structure(finished):
    out, results = finished
    assert json.loads((out / "results.json").read_text()) == results
    assert (out / "config.json").exists()
    assert sorted(p.name for p in (out / "repeats" / TASK / f"s{SEED}").iterdir()) == [
        "r0000.json", "r0001.json",
    ]  # fmt: skip
    column = results["per_repeat"][TASK][str(SEED)]
    assert list(column) == VARIANTS
    keys = {k for stud, base, _ in V.RULES.values() for k in (stud, base)}
    for values in column.values():
        assert keys <= set(values)
        assert all(len(v) == 2 and all(0.0 <= a <= 1.0 for a in v) for v in values.values())
    # Teachers' own accuracy is recorded for every teacher a variant trains.
    assert {"teacher_AI", "teacher_BAO"} <= set(column["paper"]) & set(column["reg_last"])
    summary = results["summary"][TASK][str(SEED)]
    for variant in VARIANTS:
        for rule, (stud, base, _) in V.RULES.items():
            d = summary[variant][rule]
            diff = np.subtract(column[variant][stud], column[variant][base])
            assert d["mean"] == pytest.approx(diff.mean())
            assert d["wins"] + d["ties"] + d["losses"] == 2
            assert 0.0 <= d["p_value"] <= 1.0
    report = (out / "report.md").read_text()
    assert f"| {TASK} s{SEED} |" in report
    assert "--variants " + ",".join(VARIANTS) in report
    rows = [line for line in report.splitlines() if line.startswith("| paper + ridge teachers |")]
    assert len(rows) == len(V.RULES)


def test_numbers_of_the_code_before_the_split_are_reproduced(finished):
    # Stored by experiments/hayashi2019_variants.py at commit f95cf97 (before the
    # study moved to studies/ onto public names) with this file's tiny configuration.
    _, results = finished
    ref = json.loads((ROOT / "tests" / "data" / "hayashi2019_variants_reference.json").read_text())
    assert ref["variants"] == VARIANTS
    assert results["per_repeat"] == ref["per_repeat"]


def test_same_options_same_numbers(finished, tmp_path):
    out, _ = finished
    again = study(tmp_path / "again")
    assert (tmp_path / "again" / "results.json").read_bytes() == (out / "results.json").read_bytes()
    assert again["config_hash"] == V.study_hash(tiny_config())


def test_rerun_recomputes_nothing_and_resumes_missing_work(finished, tmp_path, monkeypatch):
    out, _ = finished
    again = tmp_path / "copy"
    shutil.copytree(out, again)
    before = (again / "results.json").read_bytes()
    calls = []
    original = V.run_repeat

    def counting(task, seed, repeat, cfg, variants):
        calls.append((task, seed, repeat, list(variants)))
        return original(task, seed, repeat, cfg, variants)

    monkeypatch.setattr(V, "run_repeat", counting)
    study(again)
    assert calls == []
    assert (again / "results.json").read_bytes() == before
    # A lost repeat is recomputed alone; a new variant is computed alone.
    (again / "repeats" / TASK / f"s{SEED}" / "r0001.json").unlink()
    study(again)
    assert calls == [(TASK, SEED, 1, VARIANTS)]
    assert (again / "results.json").read_bytes() == before
    calls.clear()
    extended = study(again, variants=[*VARIANTS, "reg_priv"])
    assert calls == [(TASK, SEED, 0, ["reg_priv"]), (TASK, SEED, 1, ["reg_priv"])]
    column = extended["per_repeat"][TASK][str(SEED)]
    assert column["paper"] == json.loads(before)["per_repeat"][TASK][str(SEED)]["paper"]


def test_baseline_and_student_match_the_main_experiment(finished):
    out, results = finished
    paper = results["per_repeat"][TASK][str(SEED)]["paper"]
    cfg = tiny_config()
    cfg["run"]["seed"] = SEED
    by_log_loss = copy.deepcopy(cfg)
    by_log_loss["protocol"]["metric"] = "log_loss"
    for r in range(2):
        main = H.run_repeat(TASK, r, cfg)
        record = json.loads((out / "repeats" / TASK / f"s{SEED}" / f"r{r:04d}.json").read_text())
        # Same placement, same teachers, same λ = 0 baseline and same distilled student
        # as `lupi-ts reproduce hayashi2019` (its default accuracy rule).
        assert record["placement"] == main["placement"]
        assert main["baseline_test_accuracy"] == paper["base"][r]
        assert main["student_test_accuracy"] == paper["stud"][r]
        for pi in ("AI", "BAO"):
            teacher = main["teachers"][pi]
            assert teacher["test_accuracy"][teacher["chosen"]] == paper[f"teacher_{pi}"][r]
        # Under --metric log_loss the main experiment also picks its teachers by
        # log-loss (the study keeps the paper's accuracy rule for them), so only the
        # λ = 0 baseline is comparable.
        main = H.run_repeat(TASK, r, by_log_loss)
        assert main["baseline_test_accuracy"] == paper["base_ll1"][r]


def test_ridge_and_oracle_teachers():
    from lupi_ts import get_task, split_blocks

    cfg = tiny_config()
    arrays = HD.task_arrays(TASK, *HD.data_key(cfg, TASK))
    rng = np.random.default_rng(0)
    blocks = split_blocks(arrays["windows"], get_task(TASK).sizes, random_state=rng)
    train = blocks[0]
    plain, _ = VT.ridge_teachers(arrays, ["BAO"], blocks, "last", False)
    calibrated, _ = VT.ridge_teachers(arrays, ["BAO"], blocks, "last", True)
    # Same ridge fit, another scale: the logits are proportional.
    ratio = calibrated["BAO"][:, 0] / plain["BAO"][:, 0]
    assert np.allclose(ratio, ratio[0]) and ratio[0] > 0
    # Unscaled logits are the predicted change in units of the training change's sd:
    # on the training block they correlate with the change itself.
    change = arrays["change"][train]
    assert np.corrcoef(plain["BAO"][:, 0], change)[0, 1] > 0.5
    inputs = VT.ridge_inputs(arrays, "BAO", train, "last")
    nf = arrays["n_features"]
    assert inputs.shape == (train.size, arrays["X_priv"]["BAO"].shape[1] + nf)
    assert np.array_equal(inputs[:, -nf:], arrays["X"][train, -nf:])


def test_hindsight_teacher_stays_outside_the_test_block():
    from lupi_ts import get_task, split_blocks

    cfg = tiny_config()
    arrays = HD.task_arrays(TASK, *HD.data_key(cfg, TASK))
    blocks = split_blocks(
        arrays["windows"], get_task(TASK).sizes, random_state=np.random.default_rng(1)
    )
    train, val, test = blocks
    rows = VT.hindsight_rows(arrays, test)
    w, t = arrays["windows"], arrays["t"]
    # No window of the pool shares a step with a test window...
    first = t[rows] - w.lookback
    last = t[rows] + w.lookahead
    test_first, test_last = t[test[0]] - w.lookback, t[test[-1]] + w.lookahead
    assert np.all((last < test_first) | (first > test_last))
    # ...every window that does not is in it (train and validation included).
    outside = np.flatnonzero((t + w.lookahead < test_first) | (t - w.lookback > test_last))
    assert np.array_equal(rows, outside)
    assert np.isin(train, rows).all() and np.isin(val, rows).all()
    assert rows.size > 10 * train.size
    logits, acc = VT.hindsight_teacher(arrays, blocks)
    assert logits.shape == (train.size, 1) and np.isfinite(logits).all()
    # Logits are linear in x: a least-squares fit on the standardised inputs is exact.
    X = np.hstack([arrays["X"][train], np.ones((train.size, 1))])
    coef, *_ = np.linalg.lstsq(X, logits[:, 0], rcond=None)
    assert np.allclose(X @ coef, logits[:, 0], atol=1e-8)
    assert 0.5 < acc["x"] < 1.0


def test_ar_and_var_teachers_are_linear_in_the_last_inputs():
    from lupi_ts import get_task, split_blocks

    cfg = tiny_config()
    task = get_task(TASK)
    arrays = HD.task_arrays(TASK, *HD.data_key(cfg, TASK))
    blocks = split_blocks(arrays["windows"], task.sizes, random_state=np.random.default_rng(2))
    train, _, test = blocks
    feats, col = VT.feature_matrix(TASK, HD.data_key(cfg, TASK)[0])
    # The feature matrix is the windows' source: its target column is the series.
    assert np.array_equal(feats[:, col], arrays["series"], equal_nan=True)
    last = feats[arrays["t"][train]]  # x's last step, every feature
    z, acc = VT.var_teacher(arrays, cfg, task, blocks)
    design = np.column_stack([last, np.ones(train.size)])
    coef, *_ = np.linalg.lstsq(design, z[:, 0], rcond=None)
    assert np.allclose(design @ coef, z[:, 0], atol=1e-8)
    assert 0.0 <= acc["var"] <= 1.0
    z_ar, acc_ar = VT.ar_teacher(arrays, cfg, task, blocks)
    main = HM.ar_baseline(arrays, task, train, test, cfg["ar_baseline"]["max_lag"])
    assert acc_ar["ar"] == main["test_accuracy"]  # the AR baseline's model
    lags = np.column_stack([arrays["series"][arrays["t"][train] - j] for j in range(3)])
    design = np.column_stack([lags, np.ones(train.size)])
    coef, *_ = np.linalg.lstsq(design, z_ar[:, 0], rcond=None)
    assert np.allclose(design @ coef, z_ar[:, 0], atol=1e-8)


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(variants=["paper", "nope"]), "variants"),
        (dict(variants=[]), "variants"),
        (dict(seeds=[1, 1]), "seeds"),
        (dict(seeds=[-1]), "seeds"),
        (dict(seeds=[1.5]), "seeds"),
        (dict(repeats=0), "repeats"),
        (dict(tasks=["pm25-c"]), "tasks"),
        (dict(tasks=["pm25-a", "pm25-a"]), "tasks"),
    ],
)
def test_bad_options_are_refused(tmp_path, kw, match):
    with pytest.raises(ValueError, match=match):
        study(tmp_path / "bad", **kw)
    assert not (tmp_path / "bad").exists()


def test_other_protocols_and_configurations_are_refused(finished, tmp_path, capsys):
    cfg = tiny_config()
    cfg["protocol"]["teacher_inputs"] = "both"
    with pytest.raises(ValueError, match="protocol.teacher_inputs must be 'privileged'"):
        V.run_study(cfg, tmp_path / "x", tasks=[TASK], seeds=[SEED], repeats=1, progress=False)
    cfg = tiny_config()
    cfg["grid"]["temperature"] = [2.0]
    with pytest.raises(harness.ConfigMismatchError, match="different configuration"):
        V.run_study(cfg, finished[0], tasks=[TASK], seeds=[SEED], repeats=1, progress=False)
    # The command line reports bad options with exit status 2.
    assert V.main(["--seeds", "1,x", "--out", str(tmp_path / "cli"), "--quiet"]) == 2
    assert "--seeds must be integers" in capsys.readouterr().err
    assert V.main(["--variants", "paper,bogus", "--out", str(tmp_path / "cli"), "--quiet"]) == 2
    assert "variants must be" in capsys.readouterr().err


def test_docstring_examples():
    import doctest

    assert doctest.testmod(V, optionflags=doctest.ELLIPSIS).failed == 0
