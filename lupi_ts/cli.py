"""The ``lupi-ts`` command line: a thin router to the experiment definitions.

Each experiment module in :mod:`lupi_ts.experiments` (the repository's
``experiments/`` folder) exposes two functions:

``add_arguments(parser, name)``
    adds its options to an :class:`argparse.ArgumentParser`;
``run(args) -> int``
    runs the experiment and returns the process exit status.

User mistakes (a missing data folder, an unknown sensor name, a file that is
not TOML, being offline without a cached data set, a missing optional extra)
are reported here, for every command alike, as one ``lupi-ts ...: error: ...``
line on stderr with exit status 2; ``--traceback`` shows the full traceback
instead. Ctrl-C (SIGINT) and SIGTERM stop a run the same way: finished work
is kept and a rerun resumes it.

Examples
--------
>>> from lupi_ts.cli import build_parser
>>> build_parser().prog
'lupi-ts'
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any

__all__ = ["COMMANDS", "build_parser", "main"]

# command -> {sub-command: (experiment module, one-line help)} or (module, help)
COMMANDS: dict[str, Any] = {
    "reproduce": {
        "hayashi2019": (
            "hayashi2019",
            "Hayashi et al. (IJCNN 2019): direction forecasting with privileged windows.",
        ),
        "karlsson2022": (
            "karlsson2022",
            "Karlsson et al. (AISTATS 2022): LuPTS on synthetic systems and five cities.",
        ),
    },
    "anomaly": {
        "skab": ("skab", "Sensor anomaly detection with privileged sensors on SKAB."),
        "synthetic": ("skab", "The same study on generated multi-sensor data (offline)."),
        "tep": ("tep", "Tennessee Eastman: privileged analysers, leave one fault out."),
    },
    # The development studies (variant search, pooling of seeds) are not shipped: they
    # run from a checkout as `python -m studies.<name>` (see studies/__init__.py).
    "study": {
        "neural-fewdata": (
            "neural_fewdata",
            "Few-data study of the robust distillation term (neural students).",
        ),
    },
    # A command mapped straight to a module has no sub-command.
    "compress": ("compress", "Prune, quantize and factorise distilled students."),
}

_HELP = {
    "reproduce": "reproduce a published experiment",
    "anomaly": "run an anomaly-detection study",
    "study": "run a study that goes beyond a paper",
    "compress": "compress students for on-device inference",
}

# Exit statuses: 2 for a user error (as argparse), 128 + signal number for a stop.
_USER_ERROR = 2
_INTERRUPTED = {signal.SIGINT: 130, signal.SIGTERM: 143}

# Exceptions that mean "the command line or its files are wrong", not "lupi-ts has a
# bug": bad values (ValueError, which includes scikit-learn's InvalidParameterError and
# TOML decode errors), missing or unreadable files and failed downloads (OSError, which
# includes lupi_ts.datasets.ChecksumError), and a missing optional extra (ImportError).
# Results of another configuration in the output folder raise the experiments'
# ConfigMismatchError, matched by name so that cli.py need not import the experiments.
_USER_ERRORS: tuple[type[BaseException], ...] = (ValueError, OSError, ImportError)
_USER_ERROR_NAMES = frozenset({"ConfigMismatchError"})
# optional module -> the pip extra that installs it
_EXTRAS = {"torch": "torch"}


class _Terminated(KeyboardInterrupt):
    """Raised in the main thread on SIGTERM so that a run stops as it does on Ctrl-C."""


def _experiment_module(module: str) -> ModuleType | None:
    name = f"lupi_ts.experiments.{module}"
    if importlib.util.find_spec(name) is None:
        return None
    return importlib.import_module(name)


def _add_experiment(
    parser: argparse.ArgumentParser, module: ModuleType, name: str, prog: str
) -> None:
    module.add_arguments(parser, name)
    parser.set_defaults(_run=module.run, _prog=prog)
    if name in ("skab", "synthetic") and parser.get_default("out") is None:
        # The experiment's own default folder, made explicit so that the command can
        # say where it wrote (the folder is not part of the run's configuration).
        parser.set_defaults(out=str(Path("results") / "anomaly" / name))


def build_parser() -> argparse.ArgumentParser:
    """Build the ``lupi-ts`` argument parser (experiments register their options).

    Returns
    -------
    argparse.ArgumentParser
        The parser of ``lupi-ts``; each experiment adds its options to its own
        sub-command.

    Examples
    --------
    >>> from lupi_ts.cli import build_parser
    >>> args = build_parser().parse_args(["anomaly", "synthetic", "--n-series", "3"])
    >>> args.n_series
    3
    """
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="lupi-ts",
        description="Learning using privileged information for time series.",
    )
    parser.add_argument("--version", action="version", version=f"lupi-ts {__version__}")
    parser.add_argument(
        "--traceback",
        action="store_true",
        help="on an error, show the full Python traceback instead of one error line",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command, subs in COMMANDS.items():
        if isinstance(subs, tuple):
            module_name, help_text = subs
            module = _experiment_module(module_name)
            if module is None:
                continue
            p = commands.add_parser(command, help=_HELP[command], description=help_text)
            _add_experiment(p, module, command, f"lupi-ts {command}")
            continue
        cmd_parser = commands.add_parser(command, help=_HELP[command])
        sub_parsers = cmd_parser.add_subparsers(dest="experiment", metavar="NAME", required=True)
        for sub, (module_name, help_text) in subs.items():
            module = _experiment_module(module_name)
            if module is None:
                continue
            p = sub_parsers.add_parser(sub, help=help_text, description=help_text)
            _add_experiment(p, module, sub, f"lupi-ts {command} {sub}")
    return parser


def _is_user_error(exc: BaseException) -> bool:
    if isinstance(exc, _USER_ERRORS):
        return True
    return any(cls.__name__ in _USER_ERROR_NAMES for cls in type(exc).__mro__)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    name = exc.name if isinstance(exc, ImportError) else None
    if name is not None and name in _EXTRAS:
        text = f"{text} ({name} is an optional extra: pip install 'lupi-ts[{_EXTRAS[name]}]')"
    return text


def _check_config_file(value: str) -> None:
    """Raise ValueError naming ``--config FILE`` unless it is a readable TOML file."""
    path = Path(value)
    if not path.is_file():
        raise ValueError(f"--config {value}: no such file (expected a TOML configuration file).")
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        with open(path, "rb") as f:
            tomllib.load(f)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(
            f"--config {value} is not a TOML file ({_one_line(exc)}); it expects a TOML "
            "configuration such as the experiment's default (lupi_ts/experiments/*.toml)."
        ) from exc


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise _Terminated()


def _run(args: argparse.Namespace) -> int:
    config = getattr(args, "config", None)
    if config is not None:
        _check_config_file(config)
    status = int(args._run(args) or 0)
    out = getattr(args, "out", None)
    if status == 0 and out is not None and Path(out).is_dir():
        print(f"Results written to {Path(out).resolve()}", flush=True)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``lupi-ts`` console script; returns the exit status.

    Parameters
    ----------
    argv : sequence of str, default=None
        The arguments after ``lupi-ts``; ``sys.argv[1:]`` when None.

    Returns
    -------
    int
        0 on success, 2 on a user error (one ``error:`` line on stderr), 130 after
        Ctrl-C and 143 after SIGTERM.

    Examples
    --------
    >>> from lupi_ts.cli import main
    >>> main(["anomaly", "synthetic", "--n-series", "0"])  # doctest: +SKIP
    2
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    prog = getattr(args, "_prog", "lupi-ts")
    previous: Callable[..., Any] | int | None = None
    try:
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    except ValueError:  # not the main thread: signals cannot be handled here
        previous = None
    try:
        return _run(args)
    except KeyboardInterrupt as exc:
        how = "Terminated (SIGTERM)" if isinstance(exc, _Terminated) else "Interrupted"
        print(f"{how}; finished work was kept and a rerun resumes it.", file=sys.stderr)
        return _INTERRUPTED[signal.SIGTERM if isinstance(exc, _Terminated) else signal.SIGINT]
    except Exception as exc:
        if args.traceback or not _is_user_error(exc):
            raise
        print(f"{prog}: error: {_one_line(exc)}", file=sys.stderr)
        return _USER_ERROR
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
