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
