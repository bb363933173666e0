"""``lupi-ts anomaly tep`` on a tiny configuration (skips without the shared TEP data)."""

import argparse
import json

import pytest
from lupi_ts.experiments import tep
from threadpoolctl import threadpool_limits

TINY = ["--faults", "1,3", "--families", "pca", "--student-iter", "5", "--cv", "2",
        "--n-reference", "200", "--reference-groups", "4", "--quiet"]


def _args(argv):
    parser = argparse.ArgumentParser()
    tep.add_arguments(parser, "tep")
    return parser.parse_args(argv)


@pytest.fixture(scope="module")
def tep_dir(shared_data):
    folder = shared_data / "tep"
    if not folder.is_dir():
        pytest.skip(f"TEP reference data not found at {folder}")
    return folder


def test_tep_study_end_to_end_and_resume(tep_dir, tmp_path, capsys):
    out = tmp_path / "tep"
    with threadpool_limits(limits=1):
        assert tep.run(_args(["--data", str(tep_dir), "--out", str(out), *TINY])) == 0
    doc = json.loads((out / "summary.json").read_text())
    assert doc["config"]["faults"] == [1, 3]
    for family in ("pca",):
        fam = doc["summary"][family]
        assert fam["n_faults"] == 2 and fam["n_judged"] == 1  # fault 3 is not judged
        assert set(fam["methods"]) == set(tep.METHODS)
        for rates in fam["methods"].values():
            assert 0.0 <= rates["detection"] <= 1.0 and 0.0 <= rates["roc_auc"] <= 1.0
        assert sum(fam["chosen"]["distilled"].values()) == 2
    unit = json.loads((out / "units" / "pca" / "fault01.json").read_text())
    assert unit["selection"]["distilled"]["selected"] in ("plain", "student", "combined")
    assert "reason" in unit["selection"]["distilled"]["evidence"]
    # the equal-FAR thresholds flag about --far of the normal test rows
    assert all(abs(r["far"] - 0.05) <= 0.025 for r in unit["rates"].values())
    # the detector on the analysers only: the same family on XMEAS(23..41)
    assert set(unit["rates"]) == set(tep.METHODS)
    assert "analysers" in fam and fam["analysers"]["margin"] == tep.ANALYSER_MARGIN
    report = (out / "report.md").read_text()
    assert "## pca" in report and "3 (hard)" in report
    assert "Where the analysers carry information" in report
    # a rerun resumes from the unit files; another configuration is refused
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("fault*.json")}
    assert tep.run(_args(["--data", str(tep_dir), "--out", str(out), *TINY])) == 0
    assert stamps == {p: p.stat().st_mtime_ns for p in out.rglob("fault*.json")}
    with pytest.raises(ValueError, match="different configuration"):
        tep.run(_args(["--data", str(tep_dir), "--out", str(out), *TINY[:-1], "--cv", "3"]))


@pytest.mark.parametrize(
    ("option", "match"),
    [
        (["--families", "svm"], "--families"),
        (["--faults", "0,1"], "--faults"),
        (["--faults", "a"], "--faults"),
        (["--far", "0.7"], "--far"),
        (["--reference-groups", "1"], "--reference-groups"),
        (["--cv", "1"], "--cv"),
    ],
)
def test_bad_options(tmp_path, option, match):
    with pytest.raises(ValueError, match=match):
        tep.run(_args(["--out", str(tmp_path), *option]))


def test_screen_runs_the_cheap_detectors_only(tep_dir, tmp_path):
    import numpy as np

    from lupi_ts.anomaly import PCADetector
    from lupi_ts.datasets import fetch_tep

    out = tmp_path / "screen"
    argv = ["--data", str(tep_dir), "--out", str(out), "--faults", "1,6", "--families", "pca",
            "--screen", "--quiet"]
    with threadpool_limits(limits=1):
        assert tep.run(_args(argv)) == 0
    unit = json.loads((out / "units" / "pca" / "fault06.json").read_text())
    assert set(unit["rates"]) == set(tep.SCREEN_METHODS) and unit["selection"] == {}
    # `privileged` is PCA T²+Q on the analysers only, fitted on the reference rows of d00
    data = fetch_tep(path=tep_dir)
    priv = data.normal[data.privileged].to_numpy()
    det = PCADetector().fit(priv[:300])
    held = det.decision_function(data.faults[6][data.privileged].to_numpy())
    normal = det.decision_function(priv[300:])
    expected = float(np.mean(held > np.quantile(normal, 0.95)))
    assert unit["rates"]["privileged"]["detection"] == expected
    doc = json.loads((out / "summary.json").read_text())
    fam = doc["summary"]["pca"]
    assert set(fam["methods"]) == set(tep.SCREEN_METHODS) and "chosen" not in fam
    report = (out / "report.md").read_text()
    assert "Screen" in report and "privileged − plain" in report


def _record(fault, privileged, teacher, plain, distilled=None):
    rates = {
        "privileged": {"detection": privileged, "roc_auc": 0.5},
        "teacher": {"detection": teacher, "roc_auc": 0.5},
        "plain": {"detection": plain, "roc_auc": 0.5},
    }
    rec = {"family": "pca", "fault": fault, "rates": rates, "selection": {}}
    if distilled is not None:
        for m in ("distilled", "distilled_student", "distilled_combined"):
            rates[m] = {"detection": distilled, "roc_auc": 0.6}
        rec["selection"] = {"distilled": {"selected": "student"}}
    return rec


def test_analyser_faults_margin_and_gains():
    recs = [
        _record(1, 0.60, 0.50, 0.50, distilled=0.70),  # analysers +0.10: in
        _record(2, 0.55, 0.56, 0.50, distilled=0.60),  # exactly +0.05 and teacher +0.06: in
        _record(4, 0.54, 0.50, 0.50, distilled=0.40),  # +0.04: out
        _record(3, 0.90, 0.90, 0.10, distilled=0.10),  # hard fault: never judged
    ]
    an = tep.analyser_faults(recs, seed=0, margin=0.05)
    assert an["privileged"]["faults"] == [1, 2]
    assert an["teacher"]["faults"] == [2]
    g = an["privileged"]["gains"]["distilled_vs_plain"]["detection"]
    assert g["mean"] == pytest.approx(0.15)
    assert g["ci95"][0] <= 0.1 + 1e-12 and g["ci95"][1] >= 0.2 - 1e-12
    assert an["privileged"]["chosen"] == {"plain": 0, "student": 2, "combined": 0}
    # a one-fault set has a difference but no interval
    assert an["teacher"]["gains"]["distilled_vs_plain"]["detection"]["ci95"] is None
    # screen records (no distilled detector): the sets, no gains
    screen = tep.analyser_faults([_record(1, 0.9, 0.5, 0.5)])
    assert screen["privileged"]["faults"] == [1] and screen["privileged"]["gains"] == {}
    assert tep.analyser_faults([_record(1, 0.5, 0.5, 0.5)])["privileged"]["faults"] == []
