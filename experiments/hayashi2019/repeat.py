"""One repeat of the Hayashi et al. (2019) experiment: a placement, its teachers and students.

:func:`run_repeat` is a pure function of ``(task, repeat, configuration)``: the
placement draws from ``numpy.random.SeedSequence([seed, crc32(task), repeat])``,
so the same seed gives the same numbers on any number of workers.
"""

from __future__ import annotations

import time

import numpy as np

from .config import AR_TYPE, target_specs
from .data import contiguous_starts, data_key, repeat_seed, task_arrays, task_trajectory
from .extra import TRAJECTORY_MODELS, extra_models
from .models import (
    ar_baseline,
    ar_fit,
    ar_teacher,
    cross_fit_chosen,
    scores,
    select,
    student_pass,
    teacher_pass,
)


def selection_folds(arrays, cfg, train, val):
    """(fit rows, score rows) pairs of the selection protocol, and the final fit rows."""
    if cfg["protocol"]["selection"] == "validation":
        return [(train, val)], train
    from lupi_ts import BlockedTimeSeriesSplit

    trval = np.concatenate([train, val])
    cv = BlockedTimeSeriesSplit(n_splits=int(cfg["protocol"]["cv_folds"]))
    folds = [(trval[a], trval[b]) for a, b in cv.split(arrays["windows"].subset(trval))]
    return folds, trval


def run_repeat(task_name, repeat, cfg):
    """One repeat of one task: every configuration's scores and the selections.

    Returns a JSON-serialisable dict (see the module docstring); pure function
    of ``(task_name, repeat, cfg)``.
    """
    from threadpoolctl import threadpool_limits

    # The fits are tiny: one BLAS thread per worker avoids oversubscription.
    with threadpool_limits(limits=1):
        return _run_repeat(task_name, repeat, cfg)


def _run_repeat(task_name, repeat, cfg):
    from lupi_ts import get_task, split_blocks

    t0 = time.perf_counter()
    task = get_task(task_name)
    arrays = task_arrays(task_name, *data_key(cfg, task_name))
    rng = np.random.default_rng(repeat_seed(cfg["run"]["seed"], task_name, repeat))
    start = None
    if cfg["protocol"].get("placement", "random") == "contiguous":
        start = int(rng.choice(contiguous_starts(arrays, task)))
    train, val, test = split_blocks(arrays["windows"], task.sizes, start=start, random_state=rng)
    metric = cfg["protocol"]["metric"]
    y = arrays["y"]
    folds, final_rows = selection_folds(arrays, cfg, train, val)
    validation = cfg["protocol"]["selection"] == "validation"
    privileged = cfg["grid"]["privileged"]

    # Teachers: selection scores summed over folds. A regression teacher is
    # chosen by the squared error of its standardised change (its own loss).
    regression = cfg["protocol"].get("teacher_model", "classifier") == "regression"
    t_correct, t_loss, t_sq, n_score = {}, {}, {}, 0
    fold_teachers = []
    for fit_rows, score_rows in folds:
        evals = {"score": score_rows, "test": test} if validation else {"score": score_rows}
        tp = teacher_pass(arrays, cfg, fit_rows, evals)
        fold_teachers.append(tp)
        n_score += score_rows.size
        for pi in privileged:
            c, loss = scores(tp[pi]["score"], y[score_rows])
            t_correct[pi] = t_correct.get(pi, 0) + c
            t_loss[pi] = t_loss.get(pi, 0) + loss
            if regression:
                err = tp[pi]["score"] - (arrays["change"][score_rows] / tp[pi]["unit"])[:, None]
                t_sq[pi] = t_sq.get(pi, 0) + (err**2).sum(axis=0)
    if regression:
        teacher_choice = {
            pi: select(t_correct[pi] / n_score, t_sq[pi] / n_score, "log_loss")
            for pi in privileged
        }
    else:
        teacher_choice = {
            pi: select(t_correct[pi] / n_score, t_loss[pi] / n_score, metric)
            for pi in privileged
        }
    if validation:
        final_teacher = fold_teachers[0]
    else:
        final_teacher = teacher_pass(arrays, cfg, final_rows, {"test": test})
    if cfg["protocol"].get("teacher_logits", "in-sample") == "cross-fit":
        passes = [(tp, fit_rows) for tp, (fit_rows, _) in zip(fold_teachers, folds)]
        if not validation:
            passes.append((final_teacher, final_rows))
        cross_fit_chosen(arrays, cfg, passes, teacher_choice)
    teachers = {}
    for pi in privileged:
        test_correct, _ = scores(final_teacher[pi]["test"], y[test], with_loss=False)
        teachers[pi] = {
            "select_accuracy": (t_correct[pi] / n_score).tolist(),
            "select_log_loss": (t_loss[pi] / n_score).tolist(),
            "test_accuracy": (test_correct / test.size).tolist(),
            "chosen": teacher_choice[pi],
        }
        if regression:
            teachers[pi]["select_mse"] = (t_sq[pi] / n_score).tolist()

    # One AutoReg per repeat: the AR baseline row and, if enabled, the AR teacher.
    ar_model = ar_fit(arrays, task, train, cfg["ar_baseline"]["max_lag"])
    ar_logits = None
    if cfg["protocol"].get("ar_teacher", False):  # validation only: one fold, the training block
        ar_logits, teachers[AR_TYPE] = ar_teacher(arrays, task, train, test, cfg, fit=ar_model)
        teacher_choice[AR_TYPE] = 0

    # Students: the whole grid per fold, scores summed over folds.
    s_correct = s_loss = 0
    Z_test = None
    for (fit_rows, score_rows), tp in zip(folds, fold_teachers):
        evals = {"score": score_rows, "test": test} if validation else {"score": score_rows}
        logits = {pi: tp[pi]["fit"] for pi in privileged}
        if ar_logits is not None:
            logits[AR_TYPE] = ar_logits
        Z = student_pass(arrays, cfg, fit_rows, logits, teacher_choice, evals)
        c, loss = scores(Z["score"], y[score_rows])
        s_correct, s_loss = s_correct + c, s_loss + loss
        if validation:
            Z_test = Z["test"]
    if not validation:
        logits = {pi: final_teacher[pi]["fit"] for pi in privileged}
        Z_test = student_pass(arrays, cfg, final_rows, logits, teacher_choice, {"test": test})[
            "test"
        ]
    sel_acc, sel_ll = s_correct / n_score, s_loss / n_score  # (n_regs, n_targets)
    test_correct, _ = scores(Z_test, y[test], with_loss=False)
    specs = target_specs(cfg)
    is_baseline = np.zeros(sel_acc.shape, bool)
    is_baseline[:, 0] = True  # target column 0 is λ = 0
    chosen_baseline = select(sel_acc, sel_ll, metric, is_baseline)
    chosen_student = select(sel_acc, sel_ll, metric)
    test_acc = (test_correct / test.size).ravel()

    ar = ar_baseline(arrays, task, train, test, None, fit=ar_model)
    extra = cfg.get("models", {}).get("extra", [])
    t_ = arrays["t"]
    result = {
        "task": task_name,
        "repeat": int(repeat),
        "placement": {
            name: [int(t_[rows[0]]), int(t_[rows[-1]])]
            for name, rows in (("train", train), ("validation", val), ("test", test))
        },
        "n_targets": len(specs),
        "student": {
            "select_accuracy": sel_acc.ravel().tolist(),
            "select_log_loss": sel_ll.ravel().tolist(),
            "test_accuracy": test_acc.tolist(),
        },
        "teachers": teachers,
        "chosen": {"baseline": chosen_baseline, "student": chosen_student},
        "baseline_test_accuracy": float(test_acc[chosen_baseline]),
        "student_test_accuracy": float(test_acc[chosen_student]),
        "ar_baseline": ar,
    }
    if extra:
        trajectory = None
        if any(name in TRAJECTORY_MODELS for name in extra):
            trajectory = task_trajectory(task_name, *data_key(cfg, task_name))
        result["extra_models"] = extra_models(
            arrays, cfg, train, val, test, extra, trajectory=trajectory, task=task
        )
    result["seconds"] = time.perf_counter() - t0
    return result
