"""Fit time and peak memory of SVMPlusClassifier against scikit-learn's SVC.

Both fit the same data with the same C and RBF kernel on X (gamma="scale"); SVM+ also
gets the privileged inputs (RBF correcting space, gamma_priv = 1). Every fit runs in a
fresh subprocess, so that its peak resident memory is its own, and the two methods
alternate (SVC, SVM+, SVC, SVM+, ...) so that load from other processes on a shared
machine hits both alike; the table reports median times and the median of the per-pair
time ratios. BLAS is limited to one thread by default: libsvm (behind SVC) is
single-threaded, so this compares like with like.

Memory: "peak RSS growth" is the process's maximum resident set size after the fit minus
before it (data and imports excluded); "traced peak" is tracemalloc's peak during the fit
(numpy buffers included), measured in a separate run because tracing slows the fit. It
does not see SVM+'s buffers of 32 MB and more, which come from anonymous memory maps
(see ``_empty`` in lupi_ts/kernel/_svm_plus_solver.py); the RSS column does.

Hugepages: numpy asks Linux for transparent huge pages for large arrays; on a machine
with fragmented memory the first touch of a fresh n x n matrix can then cost far more
than computing it (measured here: about 0.6 s per 200 MB kernel matrix at n = 5,000).
``--no-hugepages`` sets NUMPY_MADVISE_HUGEPAGE=0 in both subprocesses to show that share.

Run:  python benchmarks/bench_svm_plus.py [--sizes 500 2000 5000] [--repeats 5]
                                          [--no-hugepages]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
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


def measure_one(method, n, threads, traced):
    """One fit of ``method`` on ``n`` samples in this (fresh) process."""
    from sklearn.svm import SVC
    from threadpoolctl import threadpool_limits

    from lupi_ts import SVMPlusClassifier

    X, X_priv, y = make_data(n)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with threadpool_limits(threads):
        if traced:
            tracemalloc.start()
        t0 = time.perf_counter()
        if method == "svc":
            est = SVC(C=1.0, kernel="rbf", gamma="scale").fit(X, y)
        else:
            est = SVMPlusClassifier(C=1.0, gamma_priv=1.0).fit(X, y, X_priv=X_priv)
        elapsed = time.perf_counter() - t0
        traced_peak = tracemalloc.get_traced_memory()[1] if traced else 0
        tracemalloc.stop()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = {
        "time": elapsed,
        "traced_peak_mb": traced_peak / 2**20,
        "rss_growth_mb": (rss_after - rss_before) / 1024,  # ru_maxrss is in KiB on Linux
        "n_sv": int(est.support_.size),
    }
    if method == "svm_plus":
        out["n_iter"] = int(est.n_iter_[0])
    return out


def _run(method, n, threads, traced=False, env=None):
    cmd = [sys.executable, __file__, "--one", method, str(n), "--threads", str(threads)]
    if traced:
        cmd.append("--traced")
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 2000, 5000])
    parser.add_argument("--repeats", type=int, default=5, help="fits per method and size")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads")
    parser.add_argument(
        "--no-hugepages", action="store_true", help="set NUMPY_MADVISE_HUGEPAGE=0 (see above)"
    )
    parser.add_argument("--one", nargs=2, metavar=("METHOD", "N"), help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        method, n = args.one[0], int(args.one[1])
        print(json.dumps(measure_one(method, n, args.threads, args.traced)))
        return
    env = dict(os.environ, NUMPY_MADVISE_HUGEPAGE="0") if args.no_hugepages else None
    print(
        f"BLAS threads: {args.threads}; C = 1, RBF kernels, gamma='scale', gamma_priv = 1; "
        f"{args.repeats} alternating fits per method, medians; "
        f"numpy hugepages {'off' if args.no_hugepages else 'default'}\n"
    )
    print(
        "| n | SVC fit (s) | SVM+ fit (s) | time ratio (median of pairs) "
        "| SVC peak RSS growth (MiB) | SVM+ peak RSS growth (MiB) "
        "| SVC traced peak (MiB) | SVM+ traced peak (MiB) | SVC SVs | SVM+ SVs "
        "| SVM+ solver steps |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for n in args.sizes:
        runs = {"svc": [], "svm_plus": []}
        for _ in range(args.repeats):
            for method in runs:
                runs[method].append(_run(method, n, args.threads, env=env))
        traced = {method: _run(method, n, args.threads, True, env) for method in runs}
        s, p = runs["svc"], runs["svm_plus"]
        t_s = statistics.median(r["time"] for r in s)
        t_p = statistics.median(r["time"] for r in p)
        ratio = statistics.median(b["time"] / a["time"] for a, b in zip(s, p))
        print(
            f"| {n} | {t_s:.3f} | {t_p:.3f} | {ratio:.1f}x "
            f"| {statistics.median(r['rss_growth_mb'] for r in s):.0f} "
            f"| {statistics.median(r['rss_growth_mb'] for r in p):.0f} "
            f"| {traced['svc']['traced_peak_mb']:.0f} | {traced['svm_plus']['traced_peak_mb']:.0f} "
            f"| {s[0]['n_sv']} | {p[0]['n_sv']} | {p[0]['n_iter']} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
