"""Speed and accuracy of ``lupi_ts.datasets.mackey_glass`` against reservoirpy's.

Run: ``python benchmarks/bench_mackey_glass.py [--n-samples 100000] [--repeats 5]``.

Fair comparison: both generators get the same equation and parameters (tau=17,
beta=0.2, gamma=0.1, n=10), the same constant history 1.2 (so x(0) = 1.2), the same
sampling (x(0), x(1), ..., x(n_samples - 1); ``burn_in=0`` here) and the same series
length. Times are the best of ``--repeats`` interleaved runs (the machine is shared).
Errors are the max abs difference from a converged reference (scipy DOP853 at
rtol=1e-13 by the method of steps) over 0 <= t <= 100 and 0 <= t <= 1000; further out a
chaotic series cannot be compared pointwise with any integrator.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.integrate import solve_ivp

from lupi_ts.datasets import mackey_glass

TAU, BETA, GAMMA, N, X0 = 17.0, 0.2, 0.1, 10, 1.2


def reference_solution(t_end, rtol=1e-13):
    """Converged x(t) on [0, t_end] for the constant history X0 (method of steps)."""
    segments, x_start, t0 = [], X0, 0.0
    while t0 < t_end:
        if segments:
            prev = segments[-1]

            def rhs(t, x, prev=prev):
                d = prev(t - TAU)[0]
                return [BETA * d / (1.0 + d**N) - GAMMA * x[0]]
        else:

            def rhs(t, x):
                return [BETA * X0 / (1.0 + X0**N) - GAMMA * x[0]]

        sol = solve_ivp(
            rhs, (t0, t0 + TAU), [x_start], method="DOP853", rtol=rtol, atol=1e-15,
            dense_output=True,
        )  # fmt: skip
        segments.append(sol.sol)
        x_start, t0 = float(sol.y[0, -1]), t0 + TAU

    def evaluate(t):
        seg = np.minimum((t // TAU).astype(int), len(segments) - 1)
        out = np.empty_like(t)
        for k in np.unique(seg):
            out[seg == k] = segments[k](t[seg == k])[0]
        return out

    return evaluate


def run_reservoirpy(n_samples):
    from reservoirpy.datasets import mackey_glass as rpy_mackey_glass

    # history: the 17 values x(-17), ..., x(-1); x0: x(0). reservoirpy steps with h=1.
    out = rpy_mackey_glass(
        n_samples, tau=17, a=BETA, b=GAMMA, n=N, x0=X0, h=1.0, history=np.full(17, X0)
    )
    return out[:, 0]


def run_lupi(n_samples):
    return mackey_glass(n_samples, tau=TAU, beta=BETA, gamma=GAMMA, n=N, history=X0, burn_in=0)


def best_time(fn, repeats):
    return min(_timed(fn) for _ in range(repeats))


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch", type=int, default=32, help="series in the batch benchmark")
    args = parser.parse_args(argv)

    ref = reference_solution(1001.0)
    t100, t1000 = np.arange(101.0), np.arange(1001.0)
    n = args.n_samples
    runs = {"reservoirpy": lambda: run_reservoirpy(n), "lupi_ts": lambda: run_lupi(n)}
    times = {name: [] for name in runs}
    for _ in range(args.repeats):  # interleaved, so both see the same machine load
        for name, fn in runs.items():
            times[name].append(_timed(fn))
    rows = []
    for name, fn in runs.items():
        x = fn()
        assert x.shape == (n,)
        rows.append(
            (
                name,
                min(times[name]),
                np.max(np.abs(x[:101] - ref(t100))),
                np.max(np.abs(x[:1001] - ref(t1000))),
            )
        )
    t_rpy, e_rpy = rows[0][1], rows[0][2]
    print(f"## Mackey-Glass, {n} samples (tau=17, dt=1, constant history 1.2, burn_in=0)\n")
    print("| generator | best time (s) | time / reservoirpy | max err 0<=t<=100 "
          "| max err 0<=t<=1000 | accuracy gain (t<=100) |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for name, t, e100, e1000 in rows:
        print(
            f"| {name} | {t:.4f} | {t / t_rpy:.2f} | {e100:.2e} | {e1000:.2e} "
            f"| {e_rpy / e100:.3g}x |"
        )

    # Batch: many histories at once versus a loop of single calls.
    k, m = args.batch, 10_000
    hist = np.linspace(0.8, 1.4, k)[:, None]
    t_batch = best_time(lambda: mackey_glass(m, history=hist), args.repeats)
    t_loop = best_time(
        lambda: [mackey_glass(m, history=float(c)) for c in hist[:, 0]], max(1, args.repeats // 2)
    )
    print(f"\n## Batch: {k} histories x {m} samples\n")
    print("| method | best time (s) | time / loop |")
    print("|---|---|---|")
    print(f"| loop of single calls | {t_loop:.4f} | 1.00 |")
    print(f"| one batched call | {t_batch:.4f} | {t_batch / t_loop:.2f} |")


if __name__ == "__main__":
    main()
