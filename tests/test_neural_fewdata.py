"""The few-data study runs end to end, resumes, and reports what it computed."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")  # the study trains torch networks

from lupi_ts.experiments import neural_fewdata  # noqa: E402


def test_tiny_study_runs_resumes_and_reports(tmp_path, capsys):
    argv = ["--sizes", "30", "--seeds", "2", "--eps", "0.5", "--epochs", "2",
            "--out", str(tmp_path), "--quiet"]  # fmt: skip
    assert neural_fewdata.main(argv) == 0
    runs = sorted((tmp_path / "runs").glob("*.json"))
    assert len(runs) == 2
    results = json.loads((tmp_path / "results.json").read_text())
    entry = results["summary"]["30"]
    records = [json.loads(p.read_text())["scores"] for p in runs]
    # the summary is the mean of the per-run records
    for method in ("alone", "distilled", "robust(0.5)", "teacher"):
        mean = sum(r[method] for r in records) / len(records)
        assert entry[method]["mean"] == pytest.approx(mean)
        assert 0.0 <= mean <= 1.0
    diff = [r["robust(0.5)"] - r["distilled"] for r in records]
    assert entry["robust(0.5) - distilled"]["mean"] == pytest.approx(sum(diff) / 2)
    assert "robust(0.5) - distilled" in (tmp_path / "report.md").read_text()
    # rerunning skips the finished runs: their files are not rewritten
    stamps = [p.stat().st_mtime_ns for p in runs]
    assert neural_fewdata.main(argv) == 0
    assert [p.stat().st_mtime_ns for p in runs] == stamps
    # result files are readable by others; another configuration in the folder is refused
    assert all(p.stat().st_mode & 0o777 == 0o644 for p in [*runs, tmp_path / "results.json"])
    capsys.readouterr()
    assert neural_fewdata.main([*argv, "--epochs", "3"]) == 2
    assert "different configuration" in capsys.readouterr().err


def test_bad_arguments_exit_with_status_2(tmp_path, capsys):
    assert neural_fewdata.main(["--sizes", "1", "--out", str(tmp_path)]) == 2
    assert "sizes" in capsys.readouterr().err
