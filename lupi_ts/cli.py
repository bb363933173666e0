"""The ``lupi-ts`` command line: a thin router to the experiment definitions.

Each experiment module in :mod:`lupi_ts.experiments` (the repository's
``experiments/`` folder) exposes two functions:

``add_arguments(parser, name)``
    adds its options to an :class:`argparse.ArgumentParser`;
``run(args) -> int``
    runs the experiment and returns the process exit status.

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
import sys

# command -> {sub-command: (experiment module, one-line help)} or (module, help)
COMMANDS = {
    "reproduce": {
        "hayashi2019": (
            "hayashi2019",
            "Hayashi et al. (IJCNN 2019): direction forecasting with privileged windows.",
        ),
    },
    "anomaly": {
        "skab": ("skab", "Sensor anomaly detection with privileged sensors on SKAB."),
        "synthetic": ("skab", "The same study on generated multi-sensor data (offline)."),
    },
    "study": {
        "neural-fewdata": (
            "neural_fewdata",
            "Few-data study of the robust distillation term (neural students).",
        ),
        "hayashi2019-variants": (
            "hayashi2019_variants",
            "Teacher / selection-rule variants of Hayashi 2019 on dev seeds.",
        ),
    },
    "pool": {
        "hayashi2019": (
            "hayashi2019_pool",
            "Pool runs of hayashi2019 made with different seeds (paired statistics).",
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
    "pool": "pool the results of several runs of an experiment",
}


def _experiment_module(module):
    name = f"lupi_ts.experiments.{module}"
    if importlib.util.find_spec(name) is None:
        return None
    return importlib.import_module(name)


def build_parser():
    """Build the ``lupi-ts`` argument parser (experiments register their options)."""
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="lupi-ts",
        description="Learning using privileged information for time series.",
    )
    parser.add_argument("--version", action="version", version=f"lupi-ts {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command, subs in COMMANDS.items():
        if isinstance(subs, tuple):
            module_name, help_text = subs
            module = _experiment_module(module_name)
            if module is None:
                continue
            p = commands.add_parser(command, help=_HELP[command], description=help_text)
            module.add_arguments(p, command)
            p.set_defaults(_run=module.run)
            continue
        cmd_parser = commands.add_parser(command, help=_HELP[command])
        sub_parsers = cmd_parser.add_subparsers(dest="experiment", metavar="NAME", required=True)
        for sub, (module_name, help_text) in subs.items():
            module = _experiment_module(module_name)
            if module is None:
                continue
            p = sub_parsers.add_parser(sub, help=help_text, description=help_text)
            module.add_arguments(p, sub)
            p.set_defaults(_run=module.run)
    return parser


def main(argv=None):
    """Entry point of the ``lupi-ts`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except KeyboardInterrupt:
        print("Interrupted; finished work was kept and a rerun resumes it.", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
