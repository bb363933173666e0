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
    report = (out / "report.md").read_text()
    assert "## pca" in report and "3 (hard)" in report
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
