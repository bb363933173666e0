"""Teacher and selection-rule variants of the Hayashi et al. (2019) protocol.

``python -m studies.hayashi2019_variants [--tasks pm25-a,pm25-b,mackey-glass]
[--seeds 1,2] [--repeats 50] [--variants paper,reg_last,...] [--jobs N]
[--out results/hayashi2019-variants] [--scheduler ADDRESS|local] [--quiet]``, run
from the repository root (a development study, not shipped in the wheel).

This study produced the table of the section "A regression teacher" of
``docs/findings.md``: every variant below run on the
development seeds 1 and 2 (50 repeats each) before one of them was chosen and
confirmed on seed 0. It uses the experiment's own code path
(:mod:`lupi_ts.experiments.hayashi2019`: the same windows, placements, teacher
and student grids, batched solver and selection), so the λ = 0 baseline of a
variant under the accuracy rule is the main experiment's baseline on the same
placement.

Protocol, per task, seed and repeat
-----------------------------------
The placement of the main experiment at ``--seed S`` (train / validation / test
blocks of the paper's sizes, ``SeedSequence([S, crc32(task), repeat])``) and the
configuration of ``hayashi2019.toml`` (the paper's grid: privileged type x λ x T
x penalty x C, ~550 student configurations). Each *variant* gives the students
other teacher logits ``z`` on the training windows (soft labels
``sigmoid(z / T)``); the student grid is then fitted once and scored on the
validation and test blocks:

``paper``
    the paper's teacher: logistic regression of the direction on x*, its
    regularisation chosen on validation accuracy (ties by log-loss).
``reg_priv``, ``reg_last``, ``reg_both``
    a ridge regression of the change ``x_{t+k} - x_t`` on x* alone, on x* with
    x's last step x_t, or on x* with x; penalty α in :data:`RIDGE_ALPHAS`
    chosen on the validation squared error; logits = predicted change / standard
    deviation of the change on the training block.
``reg_priv_cal``, ``reg_last_cal``, ``reg_both_cal``
    the same ridge teachers with a calibrated scale: logits = predicted change /
    (validation RMSE / 1.7), a probit-like calibration.
``combo``
    the three paper teachers (their chosen regularisation) and the three
    ``reg_last`` teachers as six candidate privileged types.
``lowT``
    the ``reg_last`` teachers with temperatures :data:`LOW_TEMPERATURES`.
``oracle``
    the true standardised change on the training windows (not deployable: a
    ceiling check of what a perfect regression teacher could give).
``ar``
    an autoregressive teacher: the main experiment's AR(≤ L) model of the
    target series (statsmodels AutoReg, order by AIC), fitted on the training
    block's whole span — so on every future step x_{t+1} … x_{t+k} of the
    training windows, which the student never sees — and iterated k steps;
    logits = (forecast − x_t) / standard deviation of the change. With at most
    L lags its logits are linear in x: a student can reproduce them.
``ar_combo``
    the AR teacher as a fourth candidate privileged type beside the three
    ``reg_last`` teachers (the student's selection picks among them).
``ar_ridge``
    per privileged type, the mean of the AR teacher's and the ``reg_last``
    teacher's logits (an ensemble of the one-step dynamics and x*).
``var``
    a vector autoregression of order 1 on all the task's features (11 on
    PM2.5), ridge-penalised (α in :data:`VAR_ALPHAS`, chosen on the validation
    squared error of the forecast change), fitted on the training block's span
    like the AR teacher and iterated k steps; logits as the AR teacher's. Its
    forecast is linear in x's last step.
``var_combo``
    the ``reg_last``, AR and VAR teachers as five candidate types.
``hindsight``
    a logistic regression of the direction on the *student's* inputs x,
    fitted on every window of the series outside the test block and its
    purged margins (thousands of windows; not deployable). Its logits are a
    linear function of x, so a student at λ = 1, T = 1 can reproduce them
    exactly: the ceiling of what *any* soft label could teach a linear
    student on these 110 training windows, privileged or not.

Selection rules (:data:`RULES`); the baseline is the λ = 0 part of the same
student grid under the *same* rule, so a Δ is always paired on placement and
rule: ``accuracy`` (the paper's: validation accuracy, ties by log-loss; argmax),
``top5``/``top25`` (the mean predicted probability of the 5 / 25 best
configurations by that order; the baseline averages its best min(k, 9)),
``log_loss`` (validation log-loss, ties by accuracy; argmax) and ``ll_top10``
(the mean probability of the 10 best by log-loss).

Outputs (under ``--out``)
-------------------------
``results.json``
    ``per_repeat[task][seed][variant][key]``: one test accuracy per repeat for
    ``key`` in ``base``/``stud`` (accuracy rule), ``base_top5``/``stud_top5``,
    ``base_top25``/``stud_top25``, ``base_ll1``/``stud_ll1`` (log-loss rule),
    ``base_ll10``/``stud_ll10``, and the teachers' own test accuracy
    ``teacher_<type>``; ``summary[task][seed][variant][rule]``: the paired
    comparison student − baseline (mean, ci95, paired t-test p, Wilcoxon p,
    wins/ties/losses) and both means.
``report.md``
    the table Δ student − baseline [95% CI] (paired-t p) W/T/L per variant,
    rule and (task, seed) column; baselines and teacher accuracies.
``repeats/<task>/s<seed>/r0000.json``
    one file per finished (task, seed, repeat), written atomically; a rerun
    skips finished repeats and computes only the variants a file lacks, so a
    killed run loses only the repeats in flight. ``config.json`` holds the
    configuration hash; another configuration in the same folder is refused.

Runs are deterministic (same numbers on every run and any ``--jobs``): each
repeat is a pure function of (task, seed, repeat, variants, configuration).
``--jobs N`` runs repeats in parallel with :class:`joblib.Parallel`, each
worker limited to one BLAS/OpenMP thread (threadpoolctl).
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path

import numpy as np
from lupi_ts.experiments import harness
from lupi_ts.experiments.hayashi2019 import config as HC
from lupi_ts.experiments.hayashi2019 import data as HD
from lupi_ts.experiments.hayashi2019 import models as HM

from lupi_ts.stats import paired_comparison

from .hayashi2019_teachers import (
    RIDGE_ALPHAS,
    RIDGE_VARIANTS,
    ar_teacher,
    evaluate,
    evaluate_pool,
    hindsight_teacher,
    ridge_teachers,
    var_teacher,
)
from .hayashi2019_variants_report import format_report

__all__ = [
    "LOW_TEMPERATURES",
    "RIDGE_ALPHAS",
    "RULES",
    "STUDY_VERSION",
    "VARIANTS",
    "add_arguments",
    "main",
    "run",
    "run_repeat",
    "run_study",
    "study_hash",
]

# Bump when a change alters a variant's numbers (it enters the configuration hash).
STUDY_VERSION = 1

# variant -> (teacher label in the report, what it is)
VARIANTS = {
    "paper": ("paper (classifier on x*)", "logistic regression of the direction on x*"),
    "reg_priv": ("ridge on x*", "ridge regression of the change on x* alone"),
    "reg_last": ("ridge on x* + x_t", "ridge regression of the change on x* and x_t"),
    "reg_both": ("ridge on x with x*", "ridge regression of the change on x* and x"),
    "reg_priv_cal": ("ridge on x*, calibrated scale", "reg_priv, logits 1.7 pred / val RMSE"),
    "reg_last_cal": ("ridge on x* + x_t, calibrated scale", "reg_last, logits 1.7 pred / RMSE"),
    "reg_both_cal": ("ridge on x with x*, calibrated scale", "reg_both, logits 1.7 pred / RMSE"),
    "combo": ("paper + ridge teachers", "3 paper and 3 reg_last teachers as 6 types"),
    "lowT": ("ridge on x* + x_t, T in {0.25 … 5}", "reg_last with low temperatures"),
    "oracle": ("oracle soft label", "the true standardised change (not deployable)"),
    "ar": ("AR teacher (one-step dynamics)", "iterated AutoReg forecast of the change"),
    "ar_combo": ("AR + ridge teachers", "the AR teacher and 3 reg_last teachers as 4 types"),
    "ar_ridge": ("mean of AR and ridge logits", "per type, (AR + reg_last logits) / 2"),
    "var": ("VAR(1) teacher on all features", "ridge VAR(1) of all features, k-step forecast"),
    "var_combo": ("ridge + AR + VAR teachers", "3 reg_last, the AR and the VAR teachers"),
    "hindsight": (
        "hindsight linear model",
        "logistic regression on x fitted outside the test block (not deployable)",
    ),
}
# rule -> (student key, baseline key, label in the report)
RULES = {
    "accuracy": ("stud", "base", "accuracy (paper)"),
    "top5": ("stud_top5", "base_top5", "accuracy, top-5 average"),
    "top25": ("stud_top25", "base_top25", "accuracy, top-25 average"),
    "log_loss": ("stud_ll1", "base_ll1", "log-loss"),
    "ll_top10": ("stud_ll10", "base_ll10", "log-loss, top-10 average"),
}
# Temperatures of the "lowT" variant (the paper's grid is 1, 2, 5, 10, 20).
LOW_TEMPERATURES = (0.25, 0.5, 1.0, 2.0, 5.0)
# Protocol values the variants are defined for: the paper's validation protocol.
_PAPER_PROTOCOL = {
    "selection": "validation",
    "teacher_inputs": "privileged",
    "teacher_model": "classifier",
    "teacher_logits": "in-sample",
    "placement": "random",
}
# Keys that hayashi2019 reads with a default (older configuration files lack them).
_PROTOCOL_DEFAULTS = {"teacher_model": "classifier", "teacher_logits": "in-sample",
                      "placement": "random"}  # fmt: skip
DEFAULTS = {
    "tasks": ("pm25-a", "pm25-b", "mackey-glass"),
    "seeds": (1, 2),
    "repeats": 50,
    "out": "results/hayashi2019-variants",
}


# --------------------------------------------------------------------------- config


def _check_options(cfg, tasks, seeds, repeats, variants):
    """Validate the study options; returns them normalised."""
    from lupi_ts import PAPER_TASKS

    cfg = copy.deepcopy(cfg)
    tasks = list(tasks)
    cfg["run"]["tasks"] = tasks
    cfg["run"]["repeats"] = 1
    HC.check_config(cfg)  # also names unknown tasks
    for key, value in _PAPER_PROTOCOL.items():
        got = cfg["protocol"].get(key, _PROTOCOL_DEFAULTS.get(key))
        if got != value:
            raise ValueError(
                f"protocol.{key} must be {value!r} for the variant study (the variants are "
                f"defined on the paper's validation protocol); got {got!r}."
            )
    if len(set(tasks)) < len(tasks):
        raise ValueError(
            f"tasks must be distinct names among {sorted(PAPER_TASKS)}; got {tasks!r}."
        )
    seeds = list(seeds)
    if (
        not seeds
        or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0 for s in seeds)
        or len(set(seeds)) < len(seeds)
    ):
        raise ValueError(f"seeds must be distinct non-negative integers; got {seeds!r}.")
    if isinstance(repeats, bool) or not isinstance(repeats, (int, np.integer)) or repeats < 1:
        raise ValueError(f"repeats must be a positive integer; got {repeats!r}.")
    variants = list(variants)
    unknown = [v for v in variants if v not in VARIANTS]
    if not variants or unknown or len(set(variants)) < len(variants):
        raise ValueError(
            f"variants must be distinct names among {', '.join(VARIANTS)}; got {variants!r}."
        )
    return cfg, tasks, [int(s) for s in seeds], int(repeats), variants


def study_hash(cfg):
    """SHA-256 of what determines a repeat's numbers (the seed is in the file path).

    Examples
    --------
    >>> cfg = HC.load_config()
    >>> other = HC.load_config(); other["run"]["seed"] = 7
    >>> study_hash(cfg) == study_hash(other)
    True
    """
    relevant = HC.hashed_part(_without_seed(cfg))
    relevant["protocol_version"] = HC.PROTOCOL_VERSION
    relevant["study"] = {"name": "hayashi2019_variants", "version": STUDY_VERSION}
    return harness.config_hash(relevant)


def _without_seed(cfg):
    cfg = copy.deepcopy(cfg)
    cfg["run"].pop("seed", None)
    return cfg


# --------------------------------------------------------------------------- one repeat


def run_repeat(task_name, seed, repeat, cfg, variants):
    """Test accuracies of every variant and rule on one placement.

    Parameters
    ----------
    task_name : str
        One of ``lupi_ts.PAPER_TASKS``.
    seed, repeat : int
        The placement is the main experiment's repeat ``repeat`` at seed ``seed``.
    cfg : dict
        The experiment configuration (:func:`hayashi2019.load_config`).
    variants : list of str
        Names among :data:`VARIANTS`.

    Returns
    -------
    dict
        ``{"placement": ..., "variants": {variant: {key: accuracy}},
        "seconds": float}``; a pure function of the arguments except
        ``seconds``.
    """
    from threadpoolctl import threadpool_limits

    # The fits are tiny: one BLAS thread per worker avoids oversubscription.
    with threadpool_limits(limits=1):
        return _run_repeat(task_name, seed, repeat, cfg, variants)


def _run_repeat(task_name, seed, repeat, cfg, variants):
    from lupi_ts import get_task, split_blocks

    t0 = time.perf_counter()
    task = get_task(task_name)
    arrays = HD.task_arrays(task_name, *HD.data_key(cfg, task_name))
    rng = np.random.default_rng(HD.repeat_seed(seed, task_name, repeat))
    # The main experiment's placement (hayashi2019._run_repeat, placement "random").
    train, val, test = split_blocks(arrays["windows"], task.sizes, random_state=rng)
    blocks = (train, val, test)
    y = arrays["y"]
    privileged = list(cfg["grid"]["privileged"])
    out = {}
    teachers = {}

    paper = None
    if "paper" in variants or "combo" in variants:
        tp = HM.teacher_pass(arrays, cfg, train, {"score": val, "test": test})
        choice = {}
        for pi in privileged:
            c, loss = HM.scores(tp[pi]["score"], y[val])
            choice[pi] = HM.select(c / val.size, loss / val.size, "accuracy")
        paper = (tp, choice)
        test_correct = {pi: HM.scores(tp[pi]["test"], y[test], with_loss=False)[0] for pi in tp}
        teachers["paper"] = {pi: float(test_correct[pi][choice[pi]] / test.size) for pi in tp}

    ridge = {}

    def ridge_logits(name):
        if name not in ridge:
            ridge[name] = ridge_teachers(arrays, privileged, blocks, *RIDGE_VARIANTS[name])
        return ridge[name]

    ar = []

    def ar_logits():
        if not ar:
            ar.append(ar_teacher(arrays, cfg, task, blocks))
        return ar[0]

    zeros = dict.fromkeys(privileged, 0)

    def for_every_type(z):
        # one teacher's logits under every privileged type: the paper's grid, other soft labels
        return evaluate(arrays, cfg, blocks, dict.fromkeys(privileged, z), zeros)

    for variant in variants:
        if variant == "paper":
            tp, choice = paper
            out[variant] = evaluate(arrays, cfg, blocks, {pi: tp[pi]["fit"] for pi in tp}, choice)
        elif variant in RIDGE_VARIANTS:
            logits, teachers[variant] = ridge_logits(variant)
            out[variant] = evaluate(arrays, cfg, blocks, logits, zeros)
        elif variant == "combo":
            tp, choice = paper
            logits = {pi: tp[pi]["fit"][:, [choice[pi]]] for pi in privileged}
            logits.update({"r" + pi: z for pi, z in ridge_logits("reg_last")[0].items()})
            out[variant] = evaluate_pool(arrays, cfg, blocks, logits)
        elif variant == "lowT":
            grid_cfg = copy.deepcopy(cfg)
            grid_cfg["grid"]["temperature"] = list(LOW_TEMPERATURES)
            out[variant] = evaluate(arrays, grid_cfg, blocks, ridge_logits("reg_last")[0], zeros)
        elif variant == "oracle":
            change = arrays["change"][train]
            out[variant] = for_every_type((change / change.std())[:, None])
        elif variant == "ar":
            z, teachers[variant] = ar_logits()
            out[variant] = for_every_type(z)
        elif variant == "ar_combo":
            z, teachers[variant] = ar_logits()
            logits = {**ridge_logits("reg_last")[0], "AR": z}
            out[variant] = evaluate_pool(arrays, cfg, blocks, logits)
        elif variant == "ar_ridge":
            z, teachers[variant] = ar_logits()
            reg = ridge_logits("reg_last")[0]
            logits = {pi: (z + reg[pi]) / 2 for pi in privileged}
            out[variant] = evaluate(arrays, cfg, blocks, logits, zeros)
        elif variant == "var":
            z, teachers[variant] = var_teacher(arrays, cfg, task, blocks)
            out[variant] = for_every_type(z)
        elif variant == "var_combo":
            z, teachers[variant] = var_teacher(arrays, cfg, task, blocks)
            logits = {**ridge_logits("reg_last")[0], "AR": ar_logits()[0], "VAR": z}
            out[variant] = evaluate_pool(arrays, cfg, blocks, logits)
        elif variant == "hindsight":
            z, teachers[variant] = hindsight_teacher(arrays, blocks)
            out[variant] = for_every_type(z)
        else:  # pragma: no cover - names are checked by run_study
            raise ValueError(f"unknown variant {variant!r}.")
        for pi, acc in teachers.get(variant, {}).items():
            out[variant][f"teacher_{pi}"] = acc
    t_ = arrays["t"]
    return {
        "placement": {
            name: [int(t_[rows[0]]), int(t_[rows[-1]])]
            for name, rows in zip(("train", "validation", "test"), blocks)
        },
        "variants": out,
        "seconds": time.perf_counter() - t0,
    }




# ------------------------------------------------------------------------------ study


def _job(task, seed, repeat, cfg, variants):
    result = run_repeat(task, seed, repeat, cfg, variants)
    return {"task": task, "seed": seed, "repeat": repeat, **result}


def run_study(
    cfg=None,
    out=DEFAULTS["out"],
    *,
    tasks=DEFAULTS["tasks"],
    seeds=DEFAULTS["seeds"],
    repeats=DEFAULTS["repeats"],
    variants=tuple(VARIANTS),
    jobs=1,
    progress=None,
):
    """Run (or resume) the variant study into ``out``; returns the results dict.

    Parameters
    ----------
    cfg : dict, optional
        Experiment configuration (default: ``hayashi2019.toml``); its protocol
        must be the paper's (validation selection, classifier teacher on x*,
        in-sample logits, random placement).
    out : str or Path
        Output folder (``results.json``, ``report.md``, ``repeats/``).
    tasks, seeds, repeats, variants
        The columns (task x seed), repeats per column and rows of the table.
    jobs : int
        joblib ``n_jobs`` over repeats.
    progress : bool or "quiet", optional
        See :func:`lupi_ts.experiments.harness.run_units`.

    Returns
    -------
    dict
        The content of ``results.json``.
    """
    cfg, tasks, seeds, repeats, variants = _check_options(
        HC.load_config() if cfg is None else cfg, tasks, seeds, repeats, variants
    )
    digest = study_hash(cfg)
    folder = harness.RunFolder(
        out, HC.hashed_part(_without_seed(cfg)), digest,
        extra={"protocol_version": HC.PROTOCOL_VERSION},
    )  # fmt: skip
    units = {
        f"{task}/s{seed}/r{r:04d}": (task, seed, r, cfg, variants)
        for task in tasks
        for seed in seeds
        for r in range(repeats)
    }

    def missing(key, stored):
        # A stored repeat is extended by the variants it lacks (computed alone).
        lacking = [v for v in variants if v not in stored.get("variants", {})]
        return (*units[key][:4], lacking) if lacking else None

    def merge(key, stored, new):
        return {**new, "variants": {**stored["variants"], **new["variants"]},
                "seconds": stored.get("seconds", 0.0) + new["seconds"]}  # fmt: skip

    done = folder.run(
        _job, units, jobs=jobs, progress=progress, label="hayashi2019-variants",
        missing=missing, merge=merge,
    )  # fmt: skip
    stored = {(t, s, r): done[f"{t}/s{s}/r{r:04d}"] for t in tasks for s in seeds
              for r in range(repeats)}  # fmt: skip
    results = _collect(stored, tasks, seeds, repeats, variants, digest)
    out = Path(out)
    harness.atomic_write_json(out / "results.json", results)
    harness.atomic_write_text(out / "report.md", format_report(results, VARIANTS, RULES))
    return results


def _collect(stored, tasks, seeds, repeats, variants, digest):
    per_repeat, summary = {}, {}
    for task in tasks:
        for seed in seeds:
            reps = [stored[task, seed, r]["variants"] for r in range(repeats)]
            column = {v: {k: [rep[v][k] for rep in reps] for k in reps[0][v]} for v in variants}
            per_repeat.setdefault(task, {})[str(seed)] = column
            summary.setdefault(task, {})[str(seed)] = {
                v: {
                    rule: {
                        **paired_comparison(column[v][stud], column[v][base]),
                        "student_mean": float(np.mean(column[v][stud])),
                        "baseline_mean": float(np.mean(column[v][base])),
                    }
                    for rule, (stud, base, _) in RULES.items()
                }
                for v in variants
            }
    return {
        "study": "hayashi2019_variants",
        "config_hash": digest,
        "tasks": tasks,
        "seeds": seeds,
        "repeats": repeats,
        "variants": variants,
        "rules": {
            rule: {"student": s, "baseline": b, "label": lab} for rule, (s, b, lab) in RULES.items()
        },
        "command": _command(tasks, seeds, repeats, variants),
        "per_repeat": per_repeat,
        "summary": summary,
    }


def _command(tasks, seeds, repeats, variants):
    cmd = (
        f"python -m studies.hayashi2019_variants --tasks {','.join(tasks)} "
        f"--seeds {','.join(map(str, seeds))} --repeats {repeats}"
    )
    if list(variants) != list(VARIANTS):
        cmd += f" --variants {','.join(variants)}"
    return cmd


# ------------------------------------------------------------------------------- CLI


def _names(text, option):
    names = [s.strip() for s in text.split(",") if s.strip()]
    if not names:
        raise ValueError(f"{option} must be a comma-separated list; got {text!r}.")
    return names


def add_arguments(parser, name="hayashi2019_variants"):
    """Register the study's options on an :class:`argparse.ArgumentParser`."""
    parser.add_argument(
        "--tasks",
        default=",".join(DEFAULTS["tasks"]),
        help="comma-separated tasks, the table's columns (default: all three)",
    )
    parser.add_argument(
        "--seeds",
        default=",".join(map(str, DEFAULTS["seeds"])),
        help="comma-separated placement seeds (default 1,2: the development seeds)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=DEFAULTS["repeats"],
        help="repeats per task and seed (default 50)",
    )
    parser.add_argument(
        "--variants",
        default=",".join(VARIANTS),
        help=f"comma-separated variants among {', '.join(VARIANTS)} (default: all)",
    )
    parser.add_argument(
        "--out", default=DEFAULTS["out"], help=f"output folder (default {DEFAULTS['out']})"
    )
    harness.add_parallel_arguments(parser)
    return parser


def run(args):
    """Run the study for parsed ``args``; returns the exit status."""
    start = time.perf_counter()
    try:
        tasks = _names(args.tasks, "--tasks")
        seed_names = _names(args.seeds, "--seeds")
        try:
            seeds = [int(s) for s in seed_names]
        except ValueError:
            raise ValueError(f"--seeds must be integers; got {args.seeds!r}.") from None
        with harness.parallel_backend(args.scheduler):
            run_study(
                out=args.out, tasks=tasks, seeds=seeds, repeats=args.repeats,
                variants=_names(args.variants, "--variants"), jobs=harness.jobs_for(args),
                progress="quiet" if args.quiet else None,
            )  # fmt: skip
    except (ValueError, harness.ConfigMismatchError) as exc:
        print(f"hayashi2019_variants: error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    print((out / "report.md").read_text())
    print(f"Wrote {out}/results.json and report.md in {time.perf_counter() - start:.1f} s.")
    return 0


def main(argv=None):
    """Run from Python with command-line style arguments (see the module docstring)."""
    prog = "python -m studies.hayashi2019_variants"
    return run(add_arguments(argparse.ArgumentParser(prog=prog)).parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
