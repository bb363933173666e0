"""Compare two ``summary.json`` files of an experiment number by number.

``python studies/compare_summaries.py OLD/summary.json NEW/summary.json [--tol 1e-12]``

Walks both JSON documents together: every number must agree within ``--tol``
(absolute), every string, key and list length exactly. Prints each difference
(path, old, new) and the largest numeric deviation; exits 0 when the files
agree, 1 otherwise. Used to check that a refactoring keeps the numbers of
``lupi-ts reproduce hayashi2019`` (see docs/findings.md).

Examples
--------
>>> compare({"a": [1.0, "x"]}, {"a": [1.0 + 1e-15, "x"]})
([], 1.1102230246251565e-15)
>>> compare({"a": 1.0}, {"a": 1.1, "b": 2})[0]
[('b', '<missing>', 2), ('a', 1.0, 1.1)]
"""

from __future__ import annotations

import argparse
import json
import math
import sys


def compare(old, new, *, tol=1e-12, path=""):
    """Differences between two JSON values: ``([(path, old, new), ...], max_abs_dev)``."""
    diffs, worst = [], 0.0
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) ^ set(new)):
            diffs.append((f"{path}{key}", old.get(key, "<missing>"), new.get(key, "<missing>")))
        for key in old.keys() & new.keys():
            d, w = compare(old[key], new[key], tol=tol, path=f"{path}{key}.")
            diffs += d
            worst = max(worst, w)
        diffs.sort(key=lambda d: d[2] == "<missing>" or d[1] == "<missing>", reverse=True)
        return [(p.rstrip("."), a, b) for p, a, b in diffs], worst
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            return [(path.rstrip("."), f"{len(old)} items", f"{len(new)} items")], worst
        for i, (a, b) in enumerate(zip(old, new)):
            d, w = compare(a, b, tol=tol, path=f"{path}{i}.")
            diffs += d
            worst = max(worst, w)
        return diffs, worst
    numbers = (int, float)
    if (
        isinstance(old, numbers) and isinstance(new, numbers)
        and not isinstance(old, bool) and not isinstance(new, bool)
    ):  # fmt: skip
        if math.isnan(old) and math.isnan(new):
            return [], 0.0
        dev = abs(old - new)
        if not dev <= tol:
            return [(path.rstrip("."), old, new)], dev
        return [], dev
    if old != new:
        return [(path.rstrip("."), old, new)], worst
    return [], worst


def main(argv=None):
    """Command-line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python studies/compare_summaries.py")
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--tol", type=float, default=1e-12, help="absolute tolerance")
    args = parser.parse_args(argv)
    with open(args.old) as f:
        old = json.load(f)
    with open(args.new) as f:
        new = json.load(f)
    diffs, worst = compare(old, new, tol=args.tol)
    for path, a, b in diffs:
        print(f"DIFF {path}: {a!r} -> {b!r}")
    status = "agree" if not diffs else f"differ in {len(diffs)} places"
    print(f"{args.old} vs {args.new}: {status}; largest numeric deviation {worst:.3g} "
          f"(tolerance {args.tol:g})")  # fmt: skip
    return 0 if not diffs else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
