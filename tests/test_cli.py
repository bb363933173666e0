"""The ``lupi-ts`` command line router."""

import subprocess
import sys

import pytest

from lupi_ts import cli


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for command in cli.COMMANDS:
        assert command in out


def test_version(capsys):
    import lupi_ts

    with pytest.raises(SystemExit):
        cli.main(["--version"])
    assert lupi_ts.__version__ in capsys.readouterr().out


def test_unknown_command_is_an_error(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["no-such-command"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_every_registered_experiment_is_importable():
    # A registered experiment that does not import would silently vanish from the CLI.
    for subs in cli.COMMANDS.values():
        entries = [subs] if isinstance(subs, tuple) else list(subs.values())
        for module, _ in entries:
            mod = cli._experiment_module(module)
            assert mod is not None, f"lupi_ts.experiments.{module} is missing"
            assert callable(mod.add_arguments) and callable(mod.run)


def test_console_entry_point_runs():
    proc = subprocess.run(
        [sys.executable, "-m", "lupi_ts.cli", "--help"], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert "reproduce" in proc.stdout


# ---------------------------------------------------------------- user errors
# Every bad input gives ONE line "lupi-ts <command>: error: <what is wrong>" on stderr,
# exit status 2 and no traceback.


def _one_error_line(capsys, prog, *needles):
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith(f"{prog}: error: "), err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def test_offline_skab_is_one_error_line(tmp_path, monkeypatch, capsys):
    import urllib.error
    import urllib.request

    def offline(*args, **kwargs):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setenv("LUPI_TS_DATA", str(tmp_path / "cache"))
    monkeypatch.setattr(urllib.request, "urlopen", offline)
    monkeypatch.setattr("time.sleep", lambda s: None)  # no waiting between retries
    status = cli.main(["anomaly", "skab", "--out", str(tmp_path / "out")])
    assert status == 2
    _one_error_line(capsys, "lupi-ts anomaly skab", "could not be downloaded", "offline")


def test_missing_skab_folder(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    assert cli.main(["anomaly", "skab", "--data", str(missing), "--out", str(tmp_path)]) == 2
    _one_error_line(capsys, "lupi-ts anomaly skab", str(missing), "not a folder")


def test_empty_skab_folder(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli.main(["anomaly", "skab", "--data", str(empty), "--out", str(tmp_path)]) == 2
    _one_error_line(capsys, "lupi-ts anomaly skab", str(empty), "missing")


def test_bad_n_series(tmp_path, capsys):
    status = cli.main(["anomaly", "synthetic", "--n-series", "0", "--out", str(tmp_path)])
    assert status == 2
    _one_error_line(capsys, "lupi-ts anomaly synthetic", "n_series", "0")


def test_unknown_deployable_sensor(tmp_path, capsys):
    status = cli.main(
        ["anomaly", "synthetic", "--n-series", "2", "--deployable", "foo", "--out", str(tmp_path)]
    )
    assert status == 2
    _one_error_line(capsys, "lupi-ts anomaly synthetic", "--deployable", "foo", "known sensors")


def test_unknown_students(tmp_path, capsys):
    pytest.importorskip("torch")  # lupi-ts compress needs the torch extra
    status = cli.main(["compress", "--students", "bogus", "--out", str(tmp_path)])
    assert status == 2
    _one_error_line(capsys, "lupi-ts compress", "--students", "bogus")


def test_compress_without_torch_is_one_error_line(tmp_path, monkeypatch, capsys):
    # Simulate the torch-less install: importing torch fails.
    monkeypatch.setitem(sys.modules, "torch", None)
    status = cli.main(["compress", "--students", "hayashi", "--out", str(tmp_path)])
    assert status == 2
    _one_error_line(capsys, "lupi-ts compress", "pip install 'lupi-ts[torch]'")


@pytest.mark.parametrize(
    "content, needle",
    [("year,month\n2010,1\n", "is not a TOML file"), (None, "no such file")],
    ids=["csv", "missing"],
)
def test_config_must_be_a_toml_file(tmp_path, capsys, content, needle):
    path = tmp_path / "notes.csv"
    if content is not None:
        path.write_text(content)
    status = cli.main(["reproduce", "hayashi2019", "--config", str(path), "--out", str(tmp_path)])
    assert status == 2
    _one_error_line(capsys, "lupi-ts reproduce hayashi2019", "--config", str(path), "TOML")


def test_traceback_flag_shows_the_traceback(tmp_path):
    with pytest.raises(ValueError, match="n_series"):
        cli.main(["--traceback", "anomaly", "synthetic", "--n-series", "0", "--out", str(tmp_path)])


def test_a_bug_is_not_hidden_as_a_user_error(monkeypatch):
    # Only user-error types become one line; anything else keeps its traceback.
    def buggy(args):
        raise KeyError("internal")

    monkeypatch.setattr(cli, "_run", buggy)
    with pytest.raises(KeyError):
        cli.main(["anomaly", "synthetic"])


def test_synthetic_says_where_it_wrote(tmp_path, capsys):
    out = tmp_path / "synthetic"
    status = cli.main(
        ["anomaly", "synthetic", "--n-series", "2", "--n-steps", "300", "--n-train", "120",
         "--protocol", "per-file", "--references", "none", "--student-iter", "5",
         "--out", str(out)]
    )  # fmt: skip
    assert status == 0
    assert f"Results written to {out.resolve()}" in capsys.readouterr().out
    assert (out / "report.md").is_file()


def test_synthetic_default_folder_is_named():
    args = cli.build_parser().parse_args(["anomaly", "synthetic"])
    assert args.out == str(cli.Path("results") / "anomaly" / "synthetic")


# ------------------------------------------------------------------- signals
def test_sigterm_in_process_is_handled_like_sigint(monkeypatch, capsys):
    import os
    import signal
    import time

    def run_then_get_terminated(args):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler interrupts this
        return 0

    previous = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(cli, "_run", run_then_get_terminated)
    assert cli.main(["anomaly", "synthetic"]) == 143
    assert "finished work was kept" in capsys.readouterr().err
    # The handler is restored afterwards (e.g. pytest's own).
    assert signal.getsignal(signal.SIGTERM) is previous


def test_sigterm_stops_a_real_run_cleanly(tmp_path):
    import signal

    proc = subprocess.Popen(
        [sys.executable, "-m", "lupi_ts.cli", "anomaly", "synthetic", "--n-series", "40",
         "--protocol", "per-file", "--references", "none", "--out", str(tmp_path / "o")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    # Wait until the run has started its work (first file done), then terminate it.
    line = proc.stdout.readline()
    while line and "done" not in line:
        line = proc.stdout.readline()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    assert "Traceback" not in err
    assert "finished work was kept and a rerun resumes it" in err
