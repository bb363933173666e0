"""Command line of ``lupi-ts reproduce hayashi2019``: options, configuration, run."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .. import harness
from .config import TEACHER_INPUTS, TEACHER_MODELS, load_config
from .extra import EXTRA_MODELS, require_extras
from .runner import run_experiment


def add_arguments(parser, name="hayashi2019"):
    """Register the experiment's options on an :class:`argparse.ArgumentParser`."""
    parser.add_argument(
        "--tasks",
        help="comma-separated tasks (default: all of mackey-glass,pm25-a,pm25-b)",
    )
    parser.add_argument("--repeats", type=int, help="repeats per task (default 10; --full 50)")
    parser.add_argument("--full", action="store_true", help="the full protocol: 50 repeats")
    parser.add_argument("--seed", type=int, help="base seed (default from the config: 0)")
    parser.add_argument("--out", help="output folder (default results/hayashi2019)")
    parser.add_argument(
        "--selection",
        choices=("validation", "blocked-cv"),
        help="model selection: the paper's validation block (default) or blocked CV",
    )
    parser.add_argument(
        "--metric", choices=("accuracy", "log_loss"), help="selection score (default accuracy)"
    )
    parser.add_argument(
        "--teacher-inputs",
        choices=TEACHER_INPUTS,
        help="teacher sees x* only (paper, default), x with x*, or x* with x's last step",
    )
    parser.add_argument(
        "--teacher-model",
        choices=TEACHER_MODELS,
        help="teacher: logistic classifier of the direction (paper, default) or ridge "
        "regression of the change x_{t+k} - x_t (soft labels sigmoid(change / sd / T))",
    )
    parser.add_argument(
        "--teacher-logits",
        choices=("in-sample", "cross-fit"),
        help="soft labels from the teacher's in-sample (paper, default) or out-of-fold logits",
    )
    parser.add_argument(
        "--placement",
        choices=("random", "contiguous"),
        help="blocks anywhere (default) or only on stretches without missing values",
    )
    parser.add_argument(
        "--ar-teacher",
        action="store_true",
        default=None,
        help="also offer the student an AR teacher (AutoReg of the target fitted on the "
        "training block's span, k-step forecasts) as a candidate teacher type",
    )
    parser.add_argument(
        "--models",
        "--model",
        help="comma-separated model families, rows on the same placements: logistic (always) "
        f"plus any of {', '.join(EXTRA_MODELS)} (e.g. logistic,svmplus,kt,mlp; "
        "mlp needs the torch extra)",
    )
    parser.add_argument("--config", help="another TOML configuration file")
    harness.add_parallel_arguments(parser)
    return parser


def config_from_args(args):
    """The configuration of a parsed command line."""
    cfg = load_config(getattr(args, "config", None))
    r = cfg["run"]
    if args.tasks:
        r["tasks"] = [t.strip() for t in args.tasks.split(",") if t.strip()]
    if args.full:
        r["repeats"] = r["full_repeats"]
    if args.repeats is not None:
        r["repeats"] = args.repeats
    if args.seed is not None:
        r["seed"] = args.seed
    if args.out:
        r["out"] = args.out
    if getattr(args, "models", None):
        names = [m.strip() for m in args.models.split(",") if m.strip()]
        unknown = [m for m in names if m != "logistic" and m not in EXTRA_MODELS]
        if unknown:
            raise ValueError(
                f"--models must be among logistic, {', '.join(EXTRA_MODELS)}; got {unknown}."
            )
        extra = [m for m in names if m != "logistic"]
        require_extras(extra)
        if extra:  # absent otherwise, so logistic-only runs keep their config hash
            cfg["models"] = {"extra": extra}
    for key in (
        "selection", "metric", "teacher_inputs", "teacher_model", "teacher_logits", "placement",
        "ar_teacher",
    ):  # fmt: skip
        value = getattr(args, key, None)
        if value is not None:
            cfg["protocol"][key] = value
    return cfg


def run(args):
    """Run the experiment for parsed ``args``; returns the exit status."""
    try:
        cfg = config_from_args(args)
        start = time.perf_counter()
        with harness.parallel_backend(getattr(args, "scheduler", None)):
            run_experiment(
                cfg, cfg["run"]["out"], jobs=harness.jobs_for(args),
                progress="quiet" if args.quiet else None,
            )  # fmt: skip
    except ValueError as exc:  # bad options, or --out holds another configuration
        print(f"lupi-ts reproduce hayashi2019: error: {exc}", file=sys.stderr)
        return 2
    out = Path(cfg["run"]["out"])
    print((out / "report.md").read_text().split("\nTeachers")[0])
    print(f"Wrote {out}/summary.json, runs.csv, report.md and plots "
          f"in {time.perf_counter() - start:.1f} s.")  # fmt: skip
    return 0


def main(argv=None):
    """Run from Python with command-line style arguments (see the module docstring)."""
    parser = add_arguments(argparse.ArgumentParser(prog="lupi-ts reproduce hayashi2019"))
    return run(parser.parse_args(argv))
