"""Few-data neural distillation: does the robust input-gradient term help?

``lupi-ts study neural-fewdata [--full] [--sizes 50,100,200] [--seeds S]
[--eps 0.03,0.1,0.3] [--epochs E] [--out DIR] [--jobs N] [--scheduler ADDRESS|local]
[--quiet]``

Protocol, per training size n and seed
--------------------------------------
1. Mackey-Glass windows of Hayashi et al. (2019) with BAO privileged steps
   (``lupi_ts.make_task_windows("mackey-glass", privileged="BAO")``): the
   student sees 4 past steps, the teacher the 2 steps around the target step.
2. A training block of n windows and a test block of 2,000 at a random start
   (``lupi_ts.split_blocks``: contiguous, time-ordered, purged gap); inputs
   standardised with training statistics only.
3. Same seed, same MLP sizes, same epochs for every method:

   * ``alone`` — the student on the hard labels (imitation 0);
   * ``distilled`` — NeuralDistillationClassifier, imitation λ, temperature T;
   * ``robust(eps)`` — the same plus ``robust_eps=eps`` (Kong et al., AAAI 2020).

   Within a seed the teacher is bit-identical across methods (same data, same
   seed), so differences come from the student's objective only.
4. Test accuracy; mean and 95 % t-interval over seeds, and paired differences
   (``robust - distilled``, ``distilled - alone``) with the paired t-test.

Outputs (under ``--out``, default ``results/neural_fewdata``), through the
experiment harness (:mod:`lupi_ts.experiments.harness`): ``runs/n<size>_s<seed>.json``
(one per size and seed, written atomically as soon as it finishes: rerunning
the same command skips finished runs, so a killed run loses only the ones in
flight), ``config.json`` (the configuration and its hash; another configuration
in the same folder is refused), ``results.json`` and ``report.md``. ``--jobs``
runs the (size, seed) units in parallel, ``--scheduler`` on a Dask cluster.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import sys
from pathlib import Path

import numpy as np

from lupi_ts.stats import mean_ci, paired_comparison

from . import harness

PROTOCOL_VERSION = 1
QUICK = {"sizes": [50, 200], "seeds": 5, "eps": [0.1]}
FULL = {"sizes": [50, 100, 200], "seeds": 20, "eps": [0.03, 0.1, 0.3]}
BASE = {
    "task": "mackey-glass",
    "privileged": "BAO",
    "n_test": 2000,
    "imitation": 0.5,
    "temperature": 2.0,
    "hidden": [32, 32],
    "epochs": 100,
    "batch_size": 32,
    "lr": 0.003,
}


def _hashed_part(cfg):
    # Run-size and machine settings do not change the numbers of a (size, seed) unit.
    relevant = {k: v for k, v in cfg.items() if k not in ("seeds", "sizes", "out", "threads")}
    relevant["protocol_version"] = PROTOCOL_VERSION
    return relevant


def _standardise(train, *others):
    mean, std = train.mean(axis=0), train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return [(a - mean) / std for a in (train, *others)]


def run_one(windows, n_train, seed, cfg):
    """All methods on one training block; returns ``{method: test accuracy}``."""
    import torch

    from lupi_ts import split_blocks
    from lupi_ts.neural import NeuralDistillationClassifier

    train, test = split_blocks(windows, (n_train, cfg["n_test"]), random_state=seed)
    X_tr, X_te = _standardise(windows.X[train], windows.X[test])
    (P_tr,) = _standardise(windows.X_priv[train])
    y_tr, y_te = windows.y[train], windows.y[test]
    spec = {"name": "mlp", "hidden": list(cfg["hidden"])}
    common = dict(teacher=spec, student=spec, temperature=cfg["temperature"],
                  max_epochs=cfg["epochs"], batch_size=cfg["batch_size"], learning_rate=cfg["lr"],
                  device="cpu", random_state=seed)  # fmt: skip
    methods = {"alone": dict(imitation=0.0), "distilled": dict(imitation=cfg["imitation"])}
    for eps in cfg["eps"]:
        methods[f"robust({eps:g})"] = dict(imitation=cfg["imitation"], robust_eps=eps)
    if len(np.unique(y_tr)) < 2:  # a block of one class: nothing to learn, skip the seed
        return None
    scores = {}
    for name, kw in methods.items():
        est = NeuralDistillationClassifier(**common, **kw).fit(X_tr, y_tr, X_priv=P_tr)
        scores[name] = float(est.score(X_te, y_te))
    # Context: the teacher's own test accuracy (it needs x* of the test block).
    _, P_te = _standardise(windows.X_priv[train], windows.X_priv[test])
    with torch.no_grad():
        z = est.teacher_(torch.tensor(P_te, dtype=torch.float32))[:, 0].numpy()
    scores["teacher"] = float(np.mean((z > 0) == (y_te == est.classes_[1])))
    return scores


def summarise(runs, cfg):
    """Mean ± CI per size and method, and the paired differences."""
    summary = {}
    for n in cfg["sizes"]:
        rows = [r for r in runs if r["n_train"] == n and r["scores"] is not None]
        if not rows:
            continue
        methods = list(rows[0]["scores"])
        entry = {"n_seeds": len(rows)}
        for m in methods:
            entry[m] = mean_ci([r["scores"][m] for r in rows])
        dist = [r["scores"]["distilled"] for r in rows]
        entry["distilled - alone"] = paired_comparison(dist, [r["scores"]["alone"] for r in rows])
        for m in methods:
            if m.startswith("robust("):
                entry[f"{m} - distilled"] = paired_comparison(
                    [r["scores"][m] for r in rows], dist
                )
        summary[str(n)] = entry
    return summary


def _fmt(stat):
    lo, hi = stat["ci95"]
    return f"{stat['mean']:.3f} ± {(hi - lo) / 2:.3f}"


def report(summary, cfg):
    lines = [
        "# Few-data neural distillation on Mackey-Glass (BAO)",
        "",
        f"Test accuracy on {cfg['n_test']} windows, mean ± 95 % CI half-width over seeds; "
        f"MLP {cfg['hidden']} teacher and student, λ = {cfg['imitation']}, "
        f"T = {cfg['temperature']}, {cfg['epochs']} epochs, Adam lr {cfg['lr']}.",
        "",
    ]
    for n, entry in summary.items():
        methods = [k for k in entry if k != "n_seeds" and " - " not in k]
        lines += [f"## n_train = {n} ({entry['n_seeds']} seeds)", "",
                  "| method | accuracy |", "|---|---|"]  # fmt: skip
        lines += [f"| {m} | {_fmt(entry[m])} |" for m in methods]
        lines += ["", "| paired difference | mean ± CI | p (t-test) | wins/ties/losses |",
                  "|---|---|---|---|"]  # fmt: skip
        for k, d in entry.items():
            if " - " in k:
                lines.append(f"| {k} | {d['mean']:+.4f} ± {(d['ci95'][1] - d['ci95'][0]) / 2:.4f}"
                             f" | {d['p_value']:.3g} | {d['wins']}/{d['ties']}/{d['losses']} |")
        lines.append("")
    return "\n".join(lines)


@functools.lru_cache(maxsize=2)
def _windows(task, privileged):
    from lupi_ts import make_task_windows

    return make_task_windows(task, privileged=privileged)


@contextlib.contextmanager
def _torch_threads(n):
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _run_unit(n, seed, cfg):
    with _torch_threads(cfg.get("threads", 1)):  # tiny MLPs: one thread is fastest
        scores = run_one(_windows(cfg["task"], cfg["privileged"]), n, seed, cfg)
    return {"n_train": n, "seed": seed, "scores": scores}


def run_experiment(cfg, *, jobs=1, progress=None):
    """Run (or resume) the study described by ``cfg`` into ``cfg["out"]``; returns the summary."""
    out = Path(cfg["out"])
    folder = harness.RunFolder(out, _hashed_part(cfg), units="runs")
    units = {f"n{n}_s{s:03d}": (n, s, cfg) for n in cfg["sizes"] for s in range(cfg["seeds"])}
    runs = list(
        folder.run(_run_unit, units, jobs=jobs, progress=progress, label="neural-fewdata").values()
    )
    summary = summarise(runs, cfg)
    harness.atomic_write_json(out / "results.json", {"config": cfg, "summary": summary})
    harness.atomic_write_text(out / "report.md", report(summary, cfg))
    return summary


def add_arguments(parser, name="neural_fewdata"):
    """Register the experiment's options on an :class:`argparse.ArgumentParser`."""
    parser.add_argument("--full", action="store_true",
                        help="sizes 50,100,200, 20 seeds, eps 0.03,0.1,0.3")  # fmt: skip
    parser.add_argument("--sizes", help="comma-separated training sizes (default 50,200)")
    parser.add_argument("--seeds", type=int, help="seeds per size (default 5; --full 20)")
    parser.add_argument("--eps", help="comma-separated robust_eps values (default 0.1)")
    parser.add_argument("--epochs", type=int, help=f"epochs (default {BASE['epochs']})")
    parser.add_argument("--out", default="results/neural_fewdata", help="output folder")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads per unit")
    harness.add_parallel_arguments(parser)
    return parser


def config_from_args(args):
    cfg = {**BASE, **(FULL if args.full else QUICK), "out": args.out, "threads": args.threads}
    if args.sizes:
        cfg["sizes"] = [int(s) for s in args.sizes.split(",")]
    if args.seeds is not None:
        cfg["seeds"] = args.seeds
    if args.eps:
        cfg["eps"] = [float(e) for e in args.eps.split(",")]
    if args.epochs is not None:
        cfg["epochs"] = args.epochs
    if min(cfg["sizes"]) < 2 or cfg["seeds"] < 1 or min(cfg["eps"], default=0) < 0:
        raise ValueError("sizes must be >= 2, seeds >= 1 and eps >= 0.")
    return cfg


def run(args):
    """Run the study for parsed ``args``; returns the exit status."""
    try:
        cfg = config_from_args(args)
    except ValueError as exc:
        print(f"neural_fewdata: error: {exc}", file=sys.stderr)
        return 2
    try:
        with harness.parallel_backend(args.scheduler):
            run_experiment(
                cfg, jobs=harness.jobs_for(args), progress="quiet" if args.quiet else None
            )
    except harness.ConfigMismatchError as exc:
        print(f"neural_fewdata: error: {exc}", file=sys.stderr)
        return 2
    print((Path(cfg["out"]) / "report.md").read_text())
    return 0


def main(argv=None):
    prog = "python -m lupi_ts.experiments.neural_fewdata"
    parser = add_arguments(argparse.ArgumentParser(prog=prog))
    return run(parser.parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
