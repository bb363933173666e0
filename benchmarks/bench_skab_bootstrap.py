"""Speed and exactness of the file-level bootstrap of :mod:`lupi_ts.stats`.

Run ``python benchmarks/bench_skab_bootstrap.py`` (``--resamples N``, ``--files F``,
``--rows R``; ``--skab DIR`` to use the stored scores of a finished
``lupi-ts anomaly skab`` cross-file run, ``DIR/cross-file/files/*.npz``).

The statistic is the SKAB experiment's: per resample of files, the pooled
ROC-AUC of three methods and their F1 at the distilled student's false-alarm
rate, and the gains ``distilled - student`` and ``control - student``. Both
sides draw the same resamples of files (same seed):

* reference: concatenate the drawn files' test rows, then scikit-learn's
  ``roc_auc_score`` and an F1 at a false-alarm rate on the concatenated rows;
* ours: :func:`lupi_ts.stats.bootstrap_weights` with
  :class:`lupi_ts.stats.WeightedScorePool`, which reuses per-file sorted
  scores and pairwise counts, and :func:`lupi_ts.stats.percentile_interval`.

Prints the CPU time of each (one BLAS thread), their ratio, and the largest
difference of the resulting interval ends (0 up to rounding). Synthetic data
by default: ``--files`` files of ``--rows`` rows with a 400-row training head,
one anomalous stretch each, scores rounded to create ties.
"""

from __future__ import annotations

import argparse
import glob
import time

import numpy as np
from sklearn.metrics import roc_auc_score
from threadpoolctl import threadpool_limits

from lupi_ts.stats import WeightedScorePool, bootstrap_weights, percentile_interval

N_TRAIN = 400
PAIRS = (("distilled", "student"), ("control", "student"))
METHODS = ("control", "distilled", "student")


def f1(tp, fp, fn):
    """SKAB's F1, ``TP / (TP + (FN + FP) / 2)`` (nan without any positive or alarm)."""
    return float(tp / (tp + (fn + fp) / 2)) if tp + fn + fp else float("nan")


def f1_at_far(y, s, far):
    """F1 with the threshold flagging ``far`` % of the normal rows (concatenated rows)."""
    neg = np.sort(s[~y])
    k = int(np.clip(round(neg.size * (1 - far / 100.0)), 0, neg.size - 1))
    thr = neg[k] if far < 100 else -np.inf
    p = s > thr
    return f1(np.sum(p & y), np.sum(p & ~y), np.sum(~p & y))


def synthetic_files(n_files, n_rows, seed=0):
    """``{file: (labels, {method: (scores, threshold)})}`` of test rows."""
    rng = np.random.default_rng(seed)
    files = {}
    for f in range(n_files):
        y = np.zeros(n_rows, bool)
        start = int(rng.integers(N_TRAIN + 50, n_rows - 200))
        y[start : start + int(rng.integers(50, 200))] = True
        base = rng.normal(size=n_rows)
        scores = {
            "student": (np.round(base + 0.3 * y, 2), 1.5),
            "control": (np.round(base + 0.2 * y + 0.3 * rng.normal(size=n_rows), 2), 1.5),
            "distilled": (np.round(base + 0.8 * y, 2), 1.0),
        }
        test = slice(N_TRAIN, None)
        files[f"file{f}"] = (y[test], {m: (s[test], t) for m, (s, t) in scores.items()})
    return files


def skab_files(folder):
    """The test rows of a finished cross-file SKAB run's stored scores."""
    files = {}
    for path in sorted(glob.glob(f"{folder}/cross-file/files/*.npz")):
        with np.load(path) as z:
            y = z["anomaly"].astype(bool)[N_TRAIN:]
            scores = {m: (z[f"score__{m}"][N_TRAIN:], float(z[f"threshold__{m}"]))
                      for m in METHODS}  # fmt: skip
        files[path] = (y, scores)
    return files


def reference_bootstrap(files, n_boot, seed):
    """The plain computation: concatenate each resample's files and score them."""
    names = list(files)
    rng = np.random.default_rng(seed)
    draws = {f"{a}_vs_{b}": {"roc_auc": [], "f1": []} for a, b in PAIRS}
    done = 0
    while done < n_boot:
        idx = rng.integers(0, len(names), len(names))
        y = np.concatenate([files[names[i]][0] for i in idx])
        if y.all() or not y.any():
            continue
        done += 1
        alarm = np.concatenate([files[names[i]][1]["distilled"][0]
                                > files[names[i]][1]["distilled"][1] for i in idx])  # fmt: skip
        far = 100.0 * np.sum(alarm & ~y) / np.sum(~y)
        auc, f = {}, {}
        for m in METHODS:
            s = np.concatenate([files[names[i]][1][m][0] for i in idx])
            auc[m], f[m] = roc_auc_score(y, s), f1_at_far(y, s, far)
        for a, b in PAIRS:
            draws[f"{a}_vs_{b}"]["roc_auc"].append(auc[a] - auc[b])
            draws[f"{a}_vs_{b}"]["f1"].append(f[a] - f[b])
    return {k: {n: percentile_interval(v)["ci95"] for n, v in m.items()} for k, m in draws.items()}


def pooled_bootstrap(files, n_boot, seed):
    """The same resamples through lupi_ts.stats' weighted pools."""
    names = list(files)
    ys = [files[k][0] for k in names]
    pools = {m: WeightedScorePool(ys, [files[k][1][m][0] for k in names]) for m in METHODS}
    false_alarms = np.array([np.sum((files[k][1]["distilled"][0] > files[k][1]["distilled"][1])
                                    & ~files[k][0]) for k in names], dtype=float)  # fmt: skip
    n_pos, n_neg = pools["distilled"].n_pos, pools["distilled"].n_neg
    draws = {f"{a}_vs_{b}": {"roc_auc": [], "f1": []} for a, b in PAIRS}
    for w in bootstrap_weights(len(names), n_boot, random_state=seed,
                               accept=lambda w: w @ n_pos > 0 and w @ n_neg > 0):  # fmt: skip
        far = 100.0 * (w @ false_alarms) / (w @ n_neg)
        auc = {m: pools[m].roc_auc(w) for m in METHODS}
        f = {m: f1(*pools[m].counts_above(w, pools[m].threshold_at_rate(w, far / 100.0)))
             for m in METHODS}  # fmt: skip
        for a, b in PAIRS:
            draws[f"{a}_vs_{b}"]["roc_auc"].append(auc[a] - auc[b])
            draws[f"{a}_vs_{b}"]["f1"].append(f[a] - f[b])
    return {k: {n: percentile_interval(v)["ci95"] for n, v in m.items()} for k, m in draws.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--files", type=int, default=34)
    parser.add_argument("--rows", type=int, default=1150)
    parser.add_argument("--skab", help="folder of a finished lupi-ts anomaly skab run")
    args = parser.parse_args(argv)
    if args.skab:
        files = skab_files(args.skab)
        if not files:
            parser.error(f"no cross-file/files/*.npz under {args.skab}")
        source = f"{len(files)} SKAB files from {args.skab}"
    else:
        files = synthetic_files(args.files, args.rows)
        source = f"{args.files} synthetic files of {args.rows} rows"
    with threadpool_limits(limits=1):
        t0 = time.process_time()
        ref = reference_bootstrap(files, args.resamples, seed=0)
        t_ref = time.process_time() - t0
        t0 = time.process_time()
        ours = pooled_bootstrap(files, args.resamples, seed=0)
        t_ours = time.process_time() - t0
    diff = max(abs(a - b) for key in ref for name in ref[key]
               for a, b in zip(ref[key][name], ours[key][name]))  # fmt: skip
    print(f"{source}, {args.resamples} resamples, CPU seconds (one thread):\n")
    print("| reference (concatenate + roc_auc_score) | ours (lupi_ts.stats weighted pool) "
          "| speed-up | max interval difference |")  # fmt: skip
    print("|---|---|---|---|")
    print(f"| {t_ref:.2f} | {t_ours:.2f} | {t_ref / t_ours:.1f}x | {diff:.1e} |")


if __name__ == "__main__":
    main()
