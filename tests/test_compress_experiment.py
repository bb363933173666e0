"""``lupi-ts compress`` end to end in its quick preset (tiny students, few epochs)."""

from __future__ import annotations

import csv

import pytest

pytest.importorskip("torch")

from lupi_ts.cli import main  # noqa: E402


@pytest.mark.slow
def test_compress_command_writes_tables_and_plots(tmp_path, capsys):
    out = tmp_path / "compress"
    argv = ["compress", "--quick", "--students", "hayashi", "--recipes", "int8-static,struct50",
            "--out", str(out)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "| original |" in printed and "struct-prune-50% +ft +int8" in printed
    folder = out / "hayashi"
    for name in ("report.md", "report.csv", "report.png", "estimator.pt"):
        assert (folder / name).stat().st_size > 0
    with open(folder / "report.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    stages = [r["stage"] for r in rows]
    assert stages == ["original", "int8-static", "struct-prune-50%", "struct-prune-50% +ft",
                      "struct-prune-50% +ft +int8"]
    assert float(rows[0]["size_ratio"]) == 1.0
    assert all(0.0 <= float(r["metric"]) <= 1.0 for r in rows)
    assert all(float(r["export_error"]) < 1e-3 for r in rows)
    # evaluated one window at a time; float stages agree with the batched evaluation
    assert float(rows[0]["metric"]) == pytest.approx(float(rows[0]["metric_batched"]))
    summary = (out / "summary.md").read_text()
    assert summary.startswith("# Compressed students")
    # the noise floor: the original retrained with another seed, beside the table
    assert (folder / "estimator_seed1.pt").stat().st_size > 0
    assert "Noise floor" in (folder / "noise.md").read_text() and "Noise floor" in summary
    # a rerun reuses the cached student; another configuration in the folder is refused
    mtime = (folder / "estimator.pt").stat().st_mtime_ns
    assert main(argv + ["--seed", "1"]) == 2  # a user error: one line, exit status 2
    assert "different configuration" in capsys.readouterr().err
    assert (folder / "estimator.pt").stat().st_mtime_ns == mtime


def test_compress_command_rejects_bad_options(tmp_path, capsys):
    # User errors: one "error:" line naming the option, exit status 2.
    for argv, option in (
        (["--students", "bert"], "--students"),
        (["--recipes", "zip"], "--recipes"),
        (["--quick", "--repeats", "0"], "--repeats"),
    ):
        assert main(["compress", *argv, "--out", str(tmp_path)]) == 2
        assert option in capsys.readouterr().err


@pytest.mark.slow
def test_compress_anomaly_student_rederives_its_threshold(tmp_path):
    out = tmp_path / "compress"
    argv = ["compress", "--quick", "--students", "anomaly", "--anomaly-data", "synthetic",
            "--recipes", "int8-dynamic", "--out", str(out)]
    assert main(argv) == 0
    with open(out / "anomaly" / "report.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["stage"] for r in rows] == ["original", "int8-dynamic"]
    original, quantized = rows
    # the original reproduces its own alarms; int8 at batch 1 keeps almost all of them
    assert float(original["alarm_agreement"]) == 1.0
    assert 0.9 < float(quantized["alarm_agreement"]) <= 1.0
    for r in rows:
        assert 0.0 <= float(r["auc"]) <= 1.0 and 0.0 <= float(r["f1_matched_far"]) <= 1.0
    assert "bootstrap" in (out / "anomaly" / "noise.md").read_text()


def test_plot_title_counts_runs_and_states_the_noise(tmp_path):
    from lupi_ts.experiments.compress import plot_title

    rows = [{"seed": 1, "delta": -0.5}, {"seed": 2, "delta": 1.25}]
    title = plot_title("hayashi student", 3, rows, {"sampling_se": 2.0})
    assert "One training run (seed 3)" in title
    assert "2 retrained seeds differ by -0.50, +1.25" in title and "sampling SE 2.00" in title
