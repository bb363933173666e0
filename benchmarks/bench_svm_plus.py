"""Fit time and peak memory of SVMPlusClassifier against scikit-learn's SVC.

Both fit the same data with the same C and RBF kernel on X; SVM+ also gets the
privileged inputs (RBF correcting space). Each measurement runs in a fresh
subprocess, so that its peak resident memory is its own. BLAS is limited to one
thread by default: libsvm (behind SVC) is single-threaded, so this compares like with
like (and keeps a shared machine from oversubscribing cores).

Run:  python benchmarks/bench_svm_plus.py [--sizes 100 500 2000 5000] [--repeats 3]
Prints a markdown table; ratios are SVM+ / SVC measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import tracemalloc

import numpy as np


def make_data(n, seed=0):
    """x* (5-D) decides the label up to label noise; x (10-D) is a noisy view plus clutter."""
    rng = np.random.default_rng(seed)
    X_priv = rng.normal(size=(n, 5))
    score = X_priv[:, 0] + 0.5 * X_priv[:, 1] - 0.5 * X_priv[:, 2] ** 2 + 0.3 * rng.normal(size=n)
    y = (score > np.median(score)).astype(int)
    X = np.hstack([X_priv + rng.normal(scale=0.8, size=X_priv.shape), rng.normal(size=(n, 5))])
    return X, X_priv, y


def measure_one(method, n, repeats, threads):
    """Fit ``method`` on ``n`` samples; return the best time and this process's peaks."""
    from sklearn.svm import SVC
    from threadpoolctl import threadpool_limits

    from lupi_ts import SVMPlusClassifier

    X, X_priv, y = make_data(n)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times = []
    with threadpool_limits(threads):
        for _ in range(repeats):
            tracemalloc.start()
            t0 = time.perf_counter()
            if method == "svc":
                est = SVC(C=1.0, kernel="rbf", gamma="scale").fit(X, y)
                n_sv = int(est.support_.size)
            else:
                est = SVMPlusClassifier(C=1.0, gamma_priv=1.0).fit(X, y, X_priv=X_priv)
                n_sv = int(est.support_.size)
            times.append(time.perf_counter() - t0)
            _, traced_peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = {
        "time": min(times),
        "traced_peak_mb": traced_peak / 2**20,
        "rss_growth_mb": (rss_after - rss_before) / 1024,  # ru_maxrss is in KiB on Linux
        "n_sv": n_sv,
    }
    if method == "svm_plus":
        out["n_iter"] = int(est.n_iter_[0])
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 500, 2000, 5000])
    parser.add_argument("--repeats", type=int, default=3, help="best of (capped at 1 for n > 2000)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads")
    parser.add_argument("--one", nargs=2, metavar=("METHOD", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        method, n = args.one[0], int(args.one[1])
        print(json.dumps(measure_one(method, n, args.repeats, args.threads)))
        return
    print(f"BLAS threads: {args.threads}; C = 1, RBF kernels, gamma='scale', gamma_priv = 1\n")
    print(
        "| n | SVC fit (s) | SVM+ fit (s) | time ratio | SVC peak RSS growth (MiB) "
        "| SVM+ peak RSS growth (MiB) | SVM+ traced peak (MiB) | SVC SVs | SVM+ SVs "
        "| SVM+ solver steps |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n in args.sizes:
        repeats = args.repeats if n <= 2000 else 1
        res = {}
        for method in ("svc", "svm_plus"):
            cmd = [sys.executable, __file__, "--one", method, str(n), "--repeats", str(repeats),
                   "--threads", str(args.threads)]
            proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
            res[method] = json.loads(proc.stdout.strip().splitlines()[-1])
        s, p = res["svc"], res["svm_plus"]
        print(
            f"| {n} | {s['time']:.3f} | {p['time']:.3f} | {p['time'] / s['time']:.1f}x "
            f"| {s['rss_growth_mb']:.0f} | {p['rss_growth_mb']:.0f} | {p['traced_peak_mb']:.0f} "
            f"| {s['n_sv']} | {p['n_sv']} | {p['n_iter']} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
