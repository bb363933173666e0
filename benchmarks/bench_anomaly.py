"""Fit and scoring speed of the anomaly detectors, relative to PCA T² + Q.

Run ``python benchmarks/bench_anomaly.py [--steps N] [--repeats R]``. Every
detector scores the same test rows (the reference detectors fit the normal
first half of a generated run; the distilled detectors the whole run, its first
half marked as reference rows, and cross-fit their students over 5 folds);
the table gives the median wall time of ``R`` repeats and the ratio to the
reference (``PCADetector``) measured in the same run, so the ratios stay
meaningful on a busy machine. Threads are limited to 1 (``--threads``).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from threadpoolctl import threadpool_limits


def _time(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=4000, help="rows per run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--no-torch", action="store_true", help="skip the autoencoders")
    args = parser.parse_args(argv)

    from sklearn.ensemble import HistGradientBoostingRegressor

    from lupi_ts.anomaly import (
        AutoencoderDetector,
        DistilledDetector,
        IsolationForestDetector,
        PCADetector,
    )
    from lupi_ts.datasets import make_sensor_anomalies

    data = make_sensor_anomalies(n_series=1, n_steps=args.steps, n_train=args.steps // 2,
                                 random_state=0)
    frame = data.files[data.names[0]]
    dep = frame[data.deployable].to_numpy()
    priv = frame[data.privileged].to_numpy()
    n = args.steps // 2
    # the distilled detectors train on the whole run (history with anomalies,
    # the first n rows marked normal), as documented; the others on the normal rows
    history = {"X_priv": priv, "reference": np.arange(args.steps) < n}
    candidates = {
        "PCADetector (reference)": (lambda: PCADetector(), dep[:n], {}),
        "IsolationForestDetector": (lambda: IsolationForestDetector(random_state=0), dep[:n], {}),
        "DistilledDetector (HGB 100)": (
            lambda: DistilledDetector(
                regressor=HistGradientBoostingRegressor(max_iter=100, random_state=0)
            ),
            dep,
            history,
        ),
        # the configuration of `lupi-ts anomaly skab`: two more (long) windows,
        # a 30-row median on the scores, every boosting iteration
        "DistilledDetector (SKAB config)": (
            lambda: DistilledDetector(
                regressor=HistGradientBoostingRegressor(
                    max_iter=100, early_stopping=False, random_state=0
                ),
                windows=(5, 20, 60, 180, 400),
                smoothing=30,
                absolute_features=True,
            ),
            dep,
            history,
        ),
    }
    if not args.no_torch:
        for arch in ("conv", "lstm"):
            candidates[f"AutoencoderDetector ({arch}, 15 epochs)"] = (
                lambda arch=arch: AutoencoderDetector(arch, epochs=15, random_state=0),
                dep[:n],
                {},
            )
    rows = []
    with threadpool_limits(limits=args.threads):
        if not args.no_torch:
            import torch

            torch.set_num_threads(args.threads)
        for name, (make, X, fit_kw) in candidates.items():
            fitted = make().fit(X, **fit_kw)
            fit_s = _time(lambda make=make, X=X, kw=fit_kw: make().fit(X, **kw), args.repeats)
            score_s = _time(lambda d=fitted: d.decision_function(dep[n:]), args.repeats)
            rows.append((name, fit_s, score_s))
    ref_fit, ref_score = rows[0][1], rows[0][2]
    print(f"{n} training rows, {args.steps - n} scored rows, {args.threads} thread(s)\n")
    print("| detector | fit s | fit / ref | score s | score / ref | rows/s scored |")
    print("|---|---|---|---|---|---|")
    for name, f, s in rows:
        print(f"| {name} | {f:.4f} | {f / ref_fit:.1f} | {s:.4f} | {s / ref_score:.1f} | "
              f"{(args.steps - n) / s:,.0f} |")


if __name__ == "__main__":
    main()
