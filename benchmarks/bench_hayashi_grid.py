"""Batched grid solver vs a loop of per-configuration fits, on the Hayashi grid.

For one placement of each task of Hayashi et al. (2019), the student grid of
``experiments/hayashi2019.toml`` (61 target vectors: λ = 0 plus 3 privileged
types x 5 temperatures x 4 λ > 0, times {none, l2, l1} x C) is fitted

* at once by :func:`lupi_ts.fit_logistic_grid` (the experiment's solver), and
* by the reference: a loop of :class:`lupi_ts.SoftLabelLogisticRegression`
  fits, one per configuration (what a plain implementation does);

both with one BLAS thread. Times are CPU seconds of this process
(``time.process_time``), which stay meaningful on a shared machine. Printed: a
markdown table of times and their ratio, the largest objective gap (reference
minus batched; negative means the batched solver's point is worse) and the
agreement of the test predictions. Then the time
of whole repeats of the experiment (teachers, grid, selection, AR baseline), for
the paper protocol and for the regression-teacher variant, with their ratio.

    python benchmarks/bench_hayashi_grid.py [--tasks mackey-glass,pm25-a,pm25-b]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from lupi_ts.experiments import hayashi2019 as H
from lupi_ts.experiments.hayashi2019 import config as HC
from lupi_ts.experiments.hayashi2019 import data as HD
from lupi_ts.experiments.hayashi2019 import models as HM
from threadpoolctl import threadpool_limits

from lupi_ts import SoftLabelLogisticRegression, fit_logistic_grid, get_task, split_blocks


def objective(w, b, X, s, penalty, C):
    z = X @ w + b
    loss = np.mean(np.logaddexp(0.0, z) - s * z)
    n = X.shape[0]
    if penalty == "l2":
        return loss + 0.5 * w @ w / (C * n)
    if penalty == "l1":
        return loss + np.abs(w).sum() / (C * n)
    return loss


def student_problem(task, cfg, seed=0):
    """Standardised training inputs and the 61 target columns of one placement."""
    arrays = HD.task_arrays(task, *HD.data_key(cfg, task))
    train, val, test = split_blocks(arrays["windows"], get_task(task).sizes, random_state=seed)
    tp = HM.teacher_pass(arrays, cfg, train, {"score": val})
    choice = {
        pi: HM.select(*(x / val.size for x in HM.scores(tp[pi]["score"], arrays["y"][val])),
                      "accuracy")
        for pi in cfg["grid"]["privileged"]
    }  # fmt: skip
    logits = {pi: tp[pi]["fit"] for pi in cfg["grid"]["privileged"]}
    targets = HM.student_targets(arrays["y"][train], logits, choice, HC.target_specs(cfg))
    scale = HM.Standardiser(arrays["X"][train])
    return scale(arrays["X"][train]), targets, scale(arrays["X"][test])


def bench_task(task, cfg):
    X, T, X_test = student_problem(task, cfg)
    tol, max_iter = float(cfg["solver"]["tol"]), int(cfg["solver"]["max_iter"])
    rows = []
    for penalty in cfg["grid"]["penalty"]:
        Cs = [1.0] if penalty == "none" else [float(c) for c in cfg["grid"]["C"]]
        t0 = time.process_time()
        grid = fit_logistic_grid(X, T, penalty=penalty, Cs=Cs, tol=tol, max_iter=max_iter)
        t_grid = time.process_time() - t0
        t0 = time.process_time()
        refs = []
        for C in Cs:
            for k in range(T.shape[1]):
                est = SoftLabelLogisticRegression(
                    penalty=None if penalty == "none" else penalty, C=C, tol=tol,
                    max_iter=max(max_iter, 1000),
                )  # fmt: skip
                refs.append(est.fit(X, T[:, k]))
        t_loop = time.process_time() - t0
        gap, agree = -np.inf, []
        for i, est in enumerate(refs):
            c, k = divmod(i, T.shape[1])
            C = Cs[c]
            f_ref = objective(est.coef_.ravel(), est.intercept_[0], X, T[:, k], penalty, C)
            f_grid = objective(grid.coef[c, k], grid.intercept[c, k], X, T[:, k], penalty, C)
            gap = max(gap, f_grid - f_ref)
            agree.append(np.mean((grid.decision_function(X_test)[:, c, k] > 0)
                                 == (est.decision_function(X_test) > 0)))  # fmt: skip
        rows.append((task, penalty, X.shape, len(refs), t_grid, t_loop, gap, float(np.mean(agree))))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="mackey-glass,pm25-a,pm25-b")
    parser.add_argument("--repeats", type=int, default=3, help="whole repeats timed per task")
    args = parser.parse_args(argv)
    cfg = H.load_config()
    tasks = args.tasks.split(",")
    with threadpool_limits(limits=1):
        rows = [row for task in tasks for row in bench_task(task, cfg)]
    print("## Student grid of one placement: batched solver vs loop of fits\n")
    print("| task | penalty | X (n, d) | fits | batched s | loop s | loop / batched "
          "| max objective excess (batched − loop) | test prediction agreement |")
    print("|---|---|---|---|---|---|---|---|---|")
    tot_g = tot_l = 0.0
    for task, pen, shape, n_fits, tg, tl, gap, agree in rows:
        tot_g, tot_l = tot_g + tg, tot_l + tl
        print(f"| {task} | {pen} | {shape} | {n_fits} | {tg:.3f} | {tl:.3f} | {tl / tg:.1f}x "
              f"| {gap:+.1e} | {agree:.4f} |")  # fmt: skip
    print(f"| **all** | | | {sum(r[3] for r in rows)} | {tot_g:.3f} | {tot_l:.3f} "
          f"| **{tot_l / tot_g:.1f}x** | | |")  # fmt: skip

    print("\n## Whole repeats of the experiment (one process, one BLAS thread, CPU s)\n")
    print("The reference is the paper protocol; the variant is the ridge-regression teacher on "
          "x* with x_t (`--teacher-model regression --teacher-inputs last`), same grid and "
          "placements.\n")
    variant = H.load_config()
    variant["protocol"].update(teacher_model="regression", teacher_inputs="last")
    print("| task | repeats | paper s per repeat | variant s per repeat | variant / paper |")
    print("|---|---|---|---|---|")
    total = 0.0
    for task in tasks:
        HD.task_arrays(task, *HD.data_key(cfg, task))  # data loading is not timed
        per = []
        for c in (cfg, variant):
            t0 = time.process_time()
            for r in range(args.repeats):
                H.run_repeat(task, r, c)
            per.append((time.process_time() - t0) / args.repeats)
        total += per[0]
        print(f"| {task} | {args.repeats} | {per[0]:.2f} | {per[1]:.2f} | {per[1] / per[0]:.2f}x |")
    full = total * int(cfg["run"]["full_repeats"])
    print(f"\nProjected --full ({cfg['run']['full_repeats']} repeats x {len(tasks)} tasks): "
          f"{full:.0f} s on one core, {full / 2:.0f} s with --jobs 2 on 2 free cores.")

if __name__ == "__main__":
    main()
