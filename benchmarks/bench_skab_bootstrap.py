"""Speed and exactness of the SKAB experiment's file-level bootstrap.

Run ``python benchmarks/bench_skab_bootstrap.py`` (``--resamples N``, ``--files F``,
``--rows R``; ``--skab DIR`` to use the stored scores of a finished
``lupi-ts anomaly skab`` cross-file run, ``DIR/cross-file/files/*.npz``).

Both sides draw the same resamples of files (same seed) and compute, per
resample, the pooled ROC-AUC of three methods and their F1 at the distilled
student's false-alarm rate:

* reference: concatenate the drawn files' test rows, then scikit-learn's
  ``roc_auc_score`` and the experiment's own ``_f1_at_far`` on them;
* ours: :func:`lupi_ts.experiments.skab._bootstrap_gains`, whose weighted pool
  reuses per-file sorted scores and pairwise counts.

Prints the wall time of each (process time, one BLAS thread), their ratio, and
the largest difference of the resulting interval ends (0 up to rounding).
Synthetic data by default: ``--files`` files of ``--rows`` rows with a 400-row
training head, one anomalous stretch each, scores rounded to create ties.
"""

from __future__ import annotations

import argparse
import glob
import time

import numpy as np
from lupi_ts.experiments import skab as K
from sklearn.metrics import roc_auc_score
from threadpoolctl import threadpool_limits

N_TRAIN = 400


def synthetic_results(n_files, n_rows, seed=0):
    rng = np.random.default_rng(seed)
    results = {}
    for f in range(n_files):
        y = np.zeros(n_rows, int)
        start = int(rng.integers(N_TRAIN + 50, n_rows - 200))
        y[start : start + int(rng.integers(50, 200))] = 1
        base = rng.normal(size=n_rows)
        scores = {
            "student": (np.round(base + 0.3 * y, 2), 1.5),
            "control": (np.round(base + 0.2 * y + 0.3 * rng.normal(size=n_rows), 2), 1.5),
            "distilled": (np.round(base + 0.8 * y, 2), 1.0),
        }
        results[f"file{f}"] = (scores, y, np.zeros(n_rows, int), (0.0, 0.0))
    return results


def reference_bootstrap(results, n_train, n_boot, seed):
    """The plain computation: concatenate each resample's files and score them."""
    names = list(results)
    pairs = K.BOOTSTRAP_PAIRS
    methods = sorted({m for pair in pairs for m in pair} | {"distilled"})
    test = slice(n_train, None)
    ys = [np.asarray(results[k][1][test], dtype=bool) for k in names]
    rng = np.random.default_rng(seed)
    draws = {f"{a}_vs_{b}": {"roc_auc": [], "f1_at_distilled_far": []} for a, b in pairs}
    done = 0
    while done < n_boot:
        idx = rng.integers(0, len(names), len(names))
        y = np.concatenate([ys[i] for i in idx])
        if y.all() or not y.any():
            continue
        done += 1
        dist = [results[names[i]][0]["distilled"] for i in idx]
        alarm = np.concatenate([s[test] > thr for s, thr in dist])
        far = 100.0 * np.sum(alarm & ~y) / np.sum(~y)
        auc, f1 = {}, {}
        for m in methods:
            s = np.concatenate([results[names[i]][0][m][0][test] for i in idx])
            auc[m] = roc_auc_score(y, s)
            f1[m] = K._f1_at_far(y, s, far)
        for a, b in pairs:
            draws[f"{a}_vs_{b}"]["roc_auc"].append(auc[a] - auc[b])
            draws[f"{a}_vs_{b}"]["f1_at_distilled_far"].append(f1[a] - f1[b])
    return {
        key: {
            name: [float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))]
            for name, v in metrics.items()
        }
        for key, metrics in draws.items()
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--files", type=int, default=34)
    parser.add_argument("--rows", type=int, default=1150)
    parser.add_argument("--skab", help="folder of a finished lupi-ts anomaly skab run")
    args = parser.parse_args(argv)
    if args.skab:
        paths = sorted(glob.glob(f"{args.skab}/cross-file/files/*.npz"))
        if not paths:
            parser.error(f"no cross-file/files/*.npz under {args.skab}")
        results = {p: K._load_file(p) for p in paths}
        source = f"{len(paths)} SKAB files from {args.skab}"
    else:
        results = synthetic_results(args.files, args.rows)
        source = f"{args.files} synthetic files of {args.rows} rows"
    with threadpool_limits(limits=1):
        t0 = time.process_time()
        ref = reference_bootstrap(results, N_TRAIN, args.resamples, seed=0)
        t_ref = time.process_time() - t0
        t0 = time.process_time()
        ours = K._bootstrap_gains(results, N_TRAIN, n_boot=args.resamples, seed=0)
        t_ours = time.process_time() - t0
    diff = max(
        abs(a - b)
        for key in ref
        for name in ref[key]
        for a, b in zip(ref[key][name], ours[key][name]["ci95"])
    )
    print(f"{source}, {args.resamples} resamples, CPU seconds (one thread):\n")
    print("| reference (concatenate + roc_auc_score) | ours (weighted pool) | speed-up "
          "| max interval difference |")  # fmt: skip
    print("|---|---|---|---|")
    print(f"| {t_ref:.2f} | {t_ours:.2f} | {t_ref / t_ours:.1f}x | {diff:.1e} |")


if __name__ == "__main__":
    main()
