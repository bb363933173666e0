"""`lupi-ts anomaly synthetic|skab` end to end on small sizes, resume, bad input, SKAB data."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from threadpoolctl import threadpool_limits

from lupi_ts.anomaly import PCADetector, outlier_metrics
from lupi_ts.cli import main
from lupi_ts.datasets import fetch_skab

SMALL = ["--n-series", "3", "--n-steps", "560", "--student-iter", "10", "--n-plots", "1"]


@pytest.fixture(autouse=True)
def _one_thread():
    with threadpool_limits(limits=1):
        yield


def test_synthetic_end_to_end_and_resume(tmp_path, capsys):
    out = tmp_path / "syn"
    assert main(["anomaly", "synthetic", *SMALL, "--references", "fast", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    for protocol in ("per-file", "cross-file"):
        rows = summary["protocols"][protocol]
        assert {"teacher", "student", "distilled", "control"} <= set(rows)
        for row in rows.values():
            assert set(row) == {
                "f1", "far", "mar", "nab_standard", "nab_lowfp", "nab_lowfn",
                "roc_auc", "pr_auc", "f1_at_distilled_far",
            }
            assert 0.0 <= row["far"] <= 100.0 and 0.0 <= row["roc_auc"] <= 1.0
        assert len(summary["paired_tests"][protocol]) == 3
        assert (out / protocol / "files" / "run__0.npz").exists()
        assert list(out.glob(f"{protocol}__*.png"))
    assert "iforest_all" in summary["protocols"]["per-file"]
    report = (out / "report.md").read_text()
    assert "ours: distilled" in report and "Wilcoxon" in report
    assert "file-level bootstrap" in report
    # what the do-no-harm rule deployed, per protocol: one choice per file and method
    for protocol in ("per-file", "cross-file"):
        counts = summary["chosen"][protocol]
        assert set(counts) == {"distilled", "control"}
        for per_candidate in counts.values():
            assert set(per_candidate) <= {"plain", "student", "combined"}
            assert sum(per_candidate.values()) == 3
    assert "Deployed by the do-no-harm rule (files): distilled: " in report
    # the privileged sensors alone, and the files where they beat the plain detector
    for protocol in ("per-file", "cross-file"):
        assert "privileged" in summary["protocols"][protocol]
        pf = summary["privileged_files"][protocol]
        assert pf["margin"] == 0.05 and pf["all files"]["n_files"] == len(pf["all files"]["files"])
    assert "Where the privileged sensors carry information" in report
    for protocol in ("per-file", "cross-file"):
        boot = summary["bootstrap"][protocol]
        for key in ("distilled_vs_student", "control_vs_student"):
            for metric in ("roc_auc", "f1_at_distilled_far"):
                lo, hi = boot[key][metric]["ci95"]
                assert -1.0 <= lo <= boot[key][metric]["mean"] <= hi <= 1.0
    # the teacher's stored scores are those of a PCA T²+Q on all sensors
    from lupi_ts.datasets import make_sensor_anomalies

    data = make_sensor_anomalies(n_series=3, n_steps=560, random_state=0)
    frame = data.files["run/1"][list(data.sensors)].to_numpy()
    with np.load(out / "per-file" / "files" / "run__1.npz") as z:
        np.testing.assert_allclose(
            z["score__teacher"], PCADetector().fit(frame[:400]).decision_function(frame)
        )
    # resume: a rerun recomputes nothing and gives the same summary
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*.npz")}
    capsys.readouterr()
    assert main(["anomaly", "synthetic", *SMALL, "--references", "fast", "--out", str(out)]) == 0
    assert "done" not in capsys.readouterr().out
    assert stamps == {p: p.stat().st_mtime_ns for p in out.rglob("*.npz")}
    again = json.loads((out / "summary.json").read_text())
    assert again["protocols"] == summary["protocols"]
    # another configuration never reuses these files, nor deletes them
    with pytest.raises(ValueError, match="another configuration"):
        main(["--traceback", "anomaly", "synthetic", *SMALL, "--references", "none",
              "--out", str(out), "--protocol", "per-file"])
    assert stamps == {p: p.stat().st_mtime_ns for p in out.rglob("*.npz")}
    # in a folder of its own it runs, without the references
    other = tmp_path / "other"
    assert main(["anomaly", "synthetic", *SMALL, "--references", "none", "--out", str(other),
                 "--protocol", "per-file"]) == 0
    assert "iforest_all" not in json.loads((other / "summary.json").read_text())["protocols"][
        "per-file"
    ]


@pytest.mark.parametrize(
    ("option", "match"),
    [
        (["--deployable", "current,nonsense"], "unknown sensor names"),
        (
            ["--deployable", "vibration1,vibration2,current,voltage,pressure,temperature,"
             "thermocouple,flow"],
            "nothing is left as privileged",
        ),
        (["--n-train", "600"], "n_steps must be >= n_train"),
        (["--student-windows", "5,x"], "--student-windows must be comma-separated integers"),
        (["--student-windows", "1,20"], "--student-windows must be comma-separated integers"),
        (["--student-smoothing", "0"], "--student-smoothing must be >= 1"),
    ],
)
def test_bad_options_raise_clear_errors(tmp_path, option, match):
    with pytest.raises(ValueError, match=match):
        main(["--traceback", "anomaly", "synthetic", *SMALL, "--references", "none",
              "--out", str(tmp_path), *option])


@pytest.mark.shared_data
def test_skab_teacher_reproduces_published_t2q_row(skab_dir):
    # the published protocol: per file, first 400 rows train, the rest tests;
    # T²+Q (PCA) published: F1 0.76
    data = fetch_skab(path=skab_dir)
    y, p = [], []
    for frame in data.files.values():
        X = frame[data.sensors].to_numpy()
        det = PCADetector().fit(X[:400])
        y.append(frame["anomaly"].to_numpy()[400:])
        p.append(det.predict(X)[400:])
    m = outlier_metrics(y, p)
    assert sum(len(a) for a in y) == 23801
    assert m["f1"] == pytest.approx(0.76, abs=0.02)


@pytest.mark.shared_data
def test_skab_command_on_two_files(skab_dir, tmp_path):
    out = tmp_path / "skab"
    assert main(["anomaly", "skab", "--data", str(skab_dir), "--max-files", "2",
                 "--references", "none", "--student-iter", "10", "--n-plots", "0",
                 "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["config"]["deployable"] == [
        "Accelerometer1RMS", "Accelerometer2RMS", "Current", "Voltage"
    ]
    assert summary["config"]["files"] == ["valve1/0", "valve1/1"]
    assert "published: T²+Q (PCA)" in (out / "report.md").read_text()
    with pytest.raises(ValueError, match="unknown sensor names"):
        main(["--traceback", "anomaly", "skab", "--data", str(skab_dir),
              "--deployable", "Current,Speed", "--out", str(out)])
    with pytest.raises(ValueError, match="no test rows"):
        main(["--traceback", "anomaly", "skab", "--data", str(skab_dir), "--n-train", "2000",
              "--out", str(out)])


@pytest.mark.parametrize("student", ["reconstruct", "neural"])
def test_student_options_run_and_enter_the_configuration(tmp_path, student):
    if student == "neural":
        pytest.importorskip("torch")
    out = tmp_path / student
    assert main(["anomaly", "synthetic", *SMALL, "--references", "none", "--protocol",
                 "cross-file", "--student", student, "--neural-epochs", "2",
                 "--selection", "student", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["config"]["student"] == student
    rows = summary["protocols"]["cross-file"]
    assert {"distilled", "control"} <= set(rows)
    assert all(0.0 <= r["roc_auc"] <= 1.0 for r in rows.values())
    assert f"--student {student}" in (out / "report.md").read_text()
    with np.load(out / "cross-file" / "files" / "run__0.npz") as z:
        assert not np.array_equal(z["score__distilled"], z["score__control"])


def test_student_windows_smoothing_and_stop_rule_reach_both_students(tmp_path):
    # the stored cross-file scores of a held-out run are those of DistilledDetectors
    # fitted by hand on the other runs with the options given on the command line
    from sklearn.ensemble import HistGradientBoostingRegressor

    from lupi_ts.anomaly import DistilledDetector
    from lupi_ts.datasets import make_sensor_anomalies

    out = tmp_path / "opts"
    assert main(["anomaly", "synthetic", *SMALL, "--references", "none", "--protocol",
                 "cross-file", "--student-windows", "4,30", "--student-smoothing", "7",
                 "--early-stopping", "off", "--out", str(out)]) == 0
    cfg = json.loads((out / "summary.json").read_text())["config"]
    assert (cfg["student_windows"], cfg["student_smoothing"], cfg["early_stopping"]) == (
        [4, 30], 7, False
    )
    data = make_sensor_anomalies(n_series=3, n_steps=560, random_state=0)
    train = ["run/1", "run/2"]
    X = np.vstack([data.files[k][data.deployable].to_numpy() for k in train])
    P = np.vstack([data.files[k][data.privileged].to_numpy() for k in train])
    groups = np.repeat([0, 1], 560)
    held = data.files["run/0"][data.deployable].to_numpy()
    with np.load(out / "cross-file" / "files" / "run__0.npz") as z:
        for method, inputs in (("distilled", "both"), ("control", "deployable")):
            det = DistilledDetector(
                regressor=HistGradientBoostingRegressor(
                    max_iter=10, learning_rate=0.1, early_stopping=False, random_state=0
                ),
                teacher_inputs=inputs, windows=(4, 30), smoothing=7, n_reference=400,
                absolute_features=False, cv=3, random_state=0,
            ).fit(X, X_priv=P, groups=groups)
            np.testing.assert_allclose(z[f"score__{method}"], det.decision_function(held))
            assert float(z[f"threshold__{method}"]) == pytest.approx(det.threshold_)
    # the defaults (chosen on a development subset) are recorded in the configuration
    assert main(["anomaly", "synthetic", *SMALL, "--references", "none", "--protocol",
                 "cross-file", "--out", str(tmp_path / "defaults")]) == 0
    cfg = json.loads((tmp_path / "defaults" / "summary.json").read_text())["config"]
    assert cfg["student_windows"] == [5, 20, 60, 180, 400] and cfg["student_smoothing"] == 30
    assert cfg["early_stopping"] is False


def test_validation_labels_reach_the_distilled_detector(tmp_path):
    # --validation-labels: each held-out run's detector is fitted with the other
    # runs' labels (never its own) and chooses by labelled validation
    from sklearn.ensemble import HistGradientBoostingRegressor

    from lupi_ts.anomaly import DistilledDetector
    from lupi_ts.datasets import make_sensor_anomalies

    out = tmp_path / "labels"
    assert main(["anomaly", "synthetic", *SMALL, "--references", "none", "--protocol",
                 "cross-file", "--validation-labels", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["config"]["validation_labels"] is True
    assert "--validation-labels" in (out / "report.md").read_text()
    data = make_sensor_anomalies(n_series=3, n_steps=560, random_state=0)
    train = ["run/1", "run/2"]
    X = np.vstack([data.files[k][data.deployable].to_numpy() for k in train])
    P = np.vstack([data.files[k][data.privileged].to_numpy() for k in train])
    y = np.concatenate([data.files[k]["anomaly"].to_numpy(int) for k in train])
    det = DistilledDetector(
        regressor=HistGradientBoostingRegressor(
            max_iter=10, learning_rate=0.1, early_stopping=False, random_state=0
        ),
        windows=(5, 20, 60, 180, 400), smoothing=30, n_reference=400,
        absolute_features=False, cv=2, random_state=0,
    ).fit(X, X_priv=P, groups=np.repeat([0, 1], 560), validation_labels=y)
    assert "labelled validation" in det.selection_["reason"]
    held = data.files["run/0"][data.deployable].to_numpy()
    with np.load(out / "cross-file" / "files" / "run__0.npz") as z:
        assert str(z["selected__distilled"]) == det.selected_
        np.testing.assert_allclose(z["score__distilled"], det.decision_function(held))


def _fake_results(rng, n_files=6, n_train=50, n=200):
    """Stored-file tuples (scores, anomaly, changepoint, seconds) with known structure."""
    results = {}
    for f in range(n_files):
        y = np.zeros(n, int)
        start = int(rng.integers(n_train + 20, n - 60))
        y[start : start + 40] = 1
        noise = rng.normal(size=n)
        scores = {
            "student": (noise, 1.0),
            "control": (noise.copy(), 1.0),  # identical to the student
            "distilled": (noise + 3.0 * y, 1.0),  # separates the anomalies
        }
        results[f"f{f}"] = (scores, y, np.zeros(n, int), (0.0, 0.0))
    return results


def test_file_bootstrap_of_the_gains():
    from lupi_ts.experiments.skab import bootstrap_gains, evaluate

    results = _fake_results(np.random.default_rng(0))
    boot = bootstrap_gains(results, 50, n_boot=200, seed=1)
    assert boot["resamples"] == 200 and boot["seed"] == 1
    same = boot["control_vs_student"]
    for metric in ("roc_auc", "f1_at_distilled_far"):
        assert same[metric]["mean"] == 0.0 and same[metric]["ci95"] == [0.0, 0.0]
    better = boot["distilled_vs_student"]
    assert better["roc_auc"]["ci95"][0] > 0.2 and better["f1_at_distilled_far"]["ci95"][0] > 0.2
    # deterministic for a seed; another seed gives other resamples
    assert bootstrap_gains(results, 50, n_boot=200, seed=1) == boot
    assert bootstrap_gains(results, 50, n_boot=200, seed=2) != boot
    # the point estimate it brackets is the summary's pooled difference
    import pandas as pd

    files = {k: pd.DataFrame(index=np.arange(200.0)) for k in results}
    summary, _ = evaluate(results, files, 50)
    gain = summary["distilled"]["roc_auc"] - summary["student"]["roc_auc"]
    lo, hi = better["roc_auc"]["ci95"]
    assert lo <= gain <= hi


def test_gains_by_folder():
    import pandas as pd
    from lupi_ts.experiments.skab import evaluate, folder_gains

    fake = _fake_results(np.random.default_rng(4), n_files=5)
    names = ["a/0", "a/1", "b/0", "b/1", "c/0"]
    results = dict(zip(names, fake.values()))
    files = {k: pd.DataFrame(index=np.arange(200.0)) for k in names}
    out = folder_gains(results, files, 50, seed=0)
    assert sorted(out) == ["a", "b"]  # a one-file folder has no pooled interval
    for folder in ("a", "b"):
        keys = [k for k in names if k.startswith(folder + "/")]
        rows, _ = evaluate({k: results[k] for k in keys}, files, 50)
        e = out[folder]
        assert e["n_files"] == 2
        gain = e["distilled_vs_student"]["roc_auc"]
        assert gain["gain"] == rows["distilled"]["roc_auc"] - rows["student"]["roc_auc"]
        assert gain["ci95"][0] <= gain["ci95"][1]
        assert e["control_vs_student"]["f1_at_distilled_far"]["gain"] == 0.0
    assert folder_gains({k.replace("/", "_"): v for k, v in results.items()}, {}, 50) == {}


@st.composite
def _files_and_draw(draw):
    """A few files of labelled integer scores (many ties) and a draw of them."""
    n_files = draw(st.integers(1, 5))
    ys, scores = [], []
    for _ in range(n_files):
        n = draw(st.integers(1, 12))
        ys.append(np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n))))
        scores.append(np.array(draw(st.lists(st.integers(0, 4), min_size=n, max_size=n)), float))
    picks = draw(st.lists(st.integers(0, n_files - 1), min_size=1, max_size=2 * n_files))
    return ys, scores, picks


@settings(max_examples=150, deadline=None)
@given(_files_and_draw(), st.floats(0.0, 100.0))
def test_weighted_pool_equals_concatenating_the_drawn_files(case, far):
    from lupi_ts.experiments.skab import WeightedPool, f1_at_far
    from sklearn.metrics import roc_auc_score

    ys, scores, picks = case
    pool = WeightedPool(ys, scores)
    w = np.bincount(picks, minlength=len(ys)).astype(float)
    y = np.concatenate([ys[i] for i in picks])
    s = np.concatenate([scores[i] for i in picks])
    if y.any() and not y.all():
        assert pool.roc_auc(w) == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    if not y.all():
        expected = f1_at_far(y, s, far)
        got = pool.f1_at_far(w, far)
        assert got == pytest.approx(expected, abs=1e-12, nan_ok=True)


def test_development_and_test_split_of_the_files():
    # valve1 is the development folder (settings chosen there); the other folders
    # are judged: each part gets its own pooled rows, gains and selection counts
    import pandas as pd
    from lupi_ts.experiments.skab import evaluate, split_gains

    fake = _fake_results(np.random.default_rng(5), n_files=6)
    names = ["valve1/0", "valve1/1", "valve1/2", "valve2/0", "other/1", "other/2"]
    results, files = {}, {}
    for name, (scores, y, cp, sec) in zip(names, fake.values()):
        scores = dict(scores, _selected={"distilled": "student" if name.endswith("2") else "plain"})
        results[name] = (scores, y, cp, sec)
        files[name] = pd.DataFrame(
            {"anomaly": y}, index=pd.date_range("2020", periods=len(y), freq="s")
        )
    parts = split_gains(results, files, 50, seed=0)
    assert list(parts) == ["development (valve1)", "test (valve2 + other)"]
    dev, test = parts["development (valve1)"], parts["test (valve2 + other)"]
    assert dev["n_files"] == 3 and test["n_files"] == 3
    judged = names[3:]
    expected, _ = evaluate({k: results[k] for k in judged}, {k: files[k] for k in judged}, 50)
    for key in ("f1", "far", "roc_auc", "f1_at_distilled_far"):  # (no changepoints: NAB nan)
        assert test["methods"]["distilled"][key] == expected["distilled"][key]
    gain = test["gains"]["distilled_vs_student"]["roc_auc"]
    assert gain["gain"] == pytest.approx(
        expected["distilled"]["roc_auc"] - expected["student"]["roc_auc"]
    )
    assert gain["ci95"][0] <= gain["ci95"][1]
    assert dev["chosen"]["distilled"] == {"plain": 2, "student": 1}
    from lupi_ts.experiments.skab import choice_counts

    assert choice_counts({k: results[k] for k in judged}) == test["chosen"]
    assert choice_counts(fake) == {}
    # generated runs (one folder) have no split
    assert split_gains(fake, {k: files[n] for k, n in zip(fake, names)}, 50) == {}


def test_files_where_the_privileged_sensors_carry_information():
    # a file counts when the privileged sensors alone beat the plain detector's
    # per-file ROC-AUC by the margin; gains are pooled over exactly those files
    import pandas as pd
    from lupi_ts.experiments.skab import PRIVILEGED_MARGIN, evaluate, privileged_files

    fake = _fake_results(np.random.default_rng(6), n_files=6)
    names = ["valve1/0", "valve1/1", "valve2/0", "other/1", "other/2", "other/3"]
    results, files = {}, {}
    for i, (name, (scores, y, cp, sec)) in enumerate(zip(names, fake.values())):
        # privileged: separates the anomalies on four files, pure noise on two
        informative = i in (0, 2, 3, 4)
        priv = scores["student"][0] * 0.5 + (4.0 * y if informative else 0.0)
        scores = dict(scores, privileged=(priv, 1.0), _selected={"distilled": "student"})
        results[name] = (scores, y, cp, sec)
        files[name] = pd.DataFrame(
            {"anomaly": y}, index=pd.date_range("2020", periods=len(y), freq="s")
        )
    _, per_file = evaluate(results, files, 50)
    out = privileged_files(results, files, per_file, 50, seed=0)
    assert out["margin"] == PRIVILEGED_MARGIN
    expected = [k for k in names if per_file["privileged"][k] - per_file["student"][k] >= 0.05]
    assert out["all files"]["files"] == expected == ["valve1/0", "valve2/0", "other/1", "other/2"]
    judged = out["judged files (valve2 + other)"]
    assert judged["files"] == ["valve2/0", "other/1", "other/2"]
    rows, _ = evaluate({k: results[k] for k in judged["files"]}, files, 50)
    g = judged["gains"]["distilled_vs_student"]["roc_auc"]
    assert g["gain"] == rows["distilled"]["roc_auc"] - rows["student"]["roc_auc"]
    assert g["ci95"][0] <= g["ci95"][1] and g["gain"] > 0
    assert judged["chosen"] == {"distilled": {"student": 3}}
    # without the privileged method: nothing to say
    assert privileged_files(fake, {}, {"student": {}}, 50) == {}


# ------------------------------------------------- detector families (issue #15)
def test_family_view_renames_one_familys_methods():
    from lupi_ts.experiments.skab import family_view

    results = _fake_results(np.random.default_rng(5), n_files=2)
    for scores, *_ in results.values():
        scores["iforest__student"] = scores["student"]
        scores["iforest__distilled"] = scores["distilled"]
        scores["_selected"] = {"distilled": "plain", "iforest__distilled": "student"}
    pca = family_view(results, "pca")
    forest = family_view(results, "iforest")
    for k in results:
        assert set(pca[k][0]) == {"student", "control", "distilled", "_selected"}
        assert pca[k][0]["_selected"] == {"distilled": "plain"}
        assert set(forest[k][0]) == {"student", "distilled", "_selected"}
        assert forest[k][0]["_selected"] == {"distilled": "student"}
        assert forest[k][0]["distilled"] is results[k][0]["iforest__distilled"]
    with pytest.raises(ValueError, match="no method of the family 'ae'"):
        family_view(results, "ae")


def test_do_no_harm_verdict_on_the_judged_files():
    import pandas as pd
    from lupi_ts.experiments.skab import DO_NO_HARM_TOLERANCE, detection_at_far, do_no_harm

    fake = _fake_results(np.random.default_rng(6), n_files=6)
    names = ["valve1/0", "valve1/1", "valve2/0", "valve2/1", "other/0", "other/1"]
    results = dict(zip(names, fake.values()))
    files = {k: pd.DataFrame(index=np.arange(200.0)) for k in names}
    out = do_no_harm(results, files, 50, seed=0)
    assert out["judged"] == "valve2 + other" and out["files"] == names[2:]
    assert out["tolerance"] == DO_NO_HARM_TOLERANCE == 0.01
    # the distilled scores separate the anomalies, the plain ones are noise
    assert out["gains"]["roc_auc"]["gain"] > 0.2
    assert out["gains"]["detection_at_distilled_far"]["ci95"][0] > 0.2
    assert out["do_no_harm"] is True
    # swap them: the distilled detector now does harm, and the verdict says so
    for scores, *_ in results.values():
        scores["distilled"], scores["student"] = scores["student"], scores["distilled"]
    worse = do_no_harm(results, files, 50, seed=0)
    assert worse["verdict"] == {"roc_auc": False, "detection_at_distilled_far": False}
    assert worse["do_no_harm"] is False
    # the detection rate is that of the pooled judged test rows at the distilled FAR
    y = np.concatenate([results[k][1][50:] for k in names[2:]])
    s = np.concatenate([results[k][0]["student"][0][50:] for k in names[2:]])
    assert worse["methods"]["student"]["detection_at_distilled_far"] == detection_at_far(
        y, s, worse["far"]
    )
    # no development file in the run: judged on all files, and said so
    alone = do_no_harm({k: results[k] for k in names[2:]}, files, 50)
    assert alone["judged"].startswith("all files") and alone["n_files"] == 4


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.5, 40.0))
def test_weighted_detection_equals_concatenating_the_drawn_files(seed, far):
    from lupi_ts.experiments.skab import WeightedPool, detection_at_far

    rng = np.random.default_rng(seed)
    ys = [rng.random(30) < 0.3 for _ in range(4)]
    ys[0][0], ys[0][1] = True, False  # both classes present
    scores = [rng.normal(size=30).round(1) + y for y in ys]
    w = rng.integers(0, 3, size=4)
    w[0] = max(w[0], 1)
    y = np.concatenate([np.tile(a, k) for a, k in zip(ys, w)])
    s = np.concatenate([np.tile(a, k) for a, k in zip(scores, w)])
    assert WeightedPool(ys, scores).detection_at_far(w, far) == pytest.approx(
        detection_at_far(y, s, far)
    )


def _family_run(argv, out):
    assert main([*argv, "--protocol", "cross-file", "--references", "none", "--cv", "2",
                 "--student-iter", "5", "--epochs", "1", "--n-plots", "0",
                 "--out", str(out)]) == 0
    return json.loads((out / "summary.json").read_text()), (out / "report.md").read_text()


def _check_families(summary, report, families, out):
    fams = summary["families"]["cross-file"]
    assert list(fams) == list(families)
    assert summary["config"]["families"] == list(families)
    names = {"pca": "PCA T²+Q", "iforest": "Isolation Forest", "ae": "convolutional autoencoder"}
    assert "## cross-file: every detector family" in report
    for family in families:
        v = fams[family]["do_no_harm"]
        assert {"student", "distilled", "distilled_student", "teacher", "control"} <= set(
            v["methods"]
        )
        for key in ("roc_auc", "detection_at_distilled_far"):
            gain = v["methods"]["distilled"][key] - v["methods"]["student"][key]
            assert v["gains"][key]["gain"] == pytest.approx(gain)
            assert v["verdict"][key] == (gain >= -0.01)
        assert v["do_no_harm"] == all(v["verdict"].values())
        assert sum(v["chosen"]["distilled"].values()) == v["n_files"]
        assert f"| {names[family]} | {v['n_files']} |" in report
        if family != "pca":
            assert f"## cross-file, {names[family]} family" in report
            assert set(fams[family]["summary"]) >= {"teacher", "student", "distilled", "control"}
    # a plain fallback is exactly the plain detector of its family (stored scores)
    for path in (out / "cross-file" / "files").glob("*.npz"):
        with np.load(path) as z:
            for family in families:
                prefix = "" if family == "pca" else f"{family}__"
                if str(z[f"selected__{prefix}distilled"]) == "plain":
                    np.testing.assert_array_equal(
                        z[f"score__{prefix}distilled"], z[f"score__{prefix}student"]
                    )
    # the main tables stay the PCA family's
    assert set(summary["protocols"]["cross-file"]) == {
        "teacher", "student", "privileged", "distilled", "distilled_student", "control"
    }


@pytest.mark.shared_data
def test_skab_families_pca_and_iforest(skab_dir, tmp_path):
    from lupi_ts.anomaly import IsolationForestDetector

    argv = ["anomaly", "skab", "--data", str(skab_dir), "--max-files", "3"]
    summary, report = _family_run([*argv, "--families", "pca,iforest"], tmp_path / "fam")
    _check_families(summary, report, ("pca", "iforest"), tmp_path / "fam")
    # the Isolation Forest teacher's stored scores: that family's detector on all sensors
    data = fetch_skab(path=skab_dir)
    frame = data.files["valve1/1"][list(data.sensors)].to_numpy(float)
    dep = [list(data.sensors).index(s) for s in summary["config"]["deployable"]]
    priv = [list(data.sensors).index(s) for s in summary["config"]["privileged"]]
    full = frame[:, dep + priv]
    with np.load(tmp_path / "fam" / "cross-file" / "files" / "valve1__1.npz") as z:
        np.testing.assert_allclose(
            z["score__iforest__teacher"],
            IsolationForestDetector(random_state=0).fit(full[:400]).decision_function(full),
        )
        assert "score__ae__teacher" not in z.files
    # the default (PCA only) and --families pca are one configuration, unchanged
    base, base_report = _family_run(argv, tmp_path / "base")
    again, _ = _family_run([*argv, "--families", "pca"], tmp_path / "base")
    assert "families" not in base and "families" not in base["config"]
    assert again["config_digest"] == base["config_digest"]
    assert "every detector family" not in base_report
    assert base["protocols"]["cross-file"] == summary["protocols"]["cross-file"]


def test_synthetic_families_with_the_autoencoder(tmp_path):
    pytest.importorskip("torch")
    summary, report = _family_run(
        ["anomaly", "synthetic", *SMALL, "--families", "ae,pca"], tmp_path / "ae"
    )
    _check_families(summary, report, ("pca", "ae"), tmp_path / "ae")
    # generated runs have no development folder: judged on all files, and said so
    assert summary["families"]["cross-file"]["ae"]["do_no_harm"]["judged"].startswith("all")


def test_unknown_family_is_refused(tmp_path):
    with pytest.raises(ValueError, match="--families: unknown"):
        main(["--traceback", "anomaly", "synthetic", *SMALL, "--families", "pca,svm",
              "--out", str(tmp_path)])
