"""Other LUPI learners on the placements of the Hayashi et al. (2019) experiment.

``--models logistic,svmplus,kt,mlp`` adds rows for other learners, tuned on the
validation block over their grid and the privileged type, like the logistic
student. A grid with ``imitation`` 0 entries also gets a ``<name>_baseline``
row: the best λ = 0 setting, the model family's own no-distillation baseline.
"""

from __future__ import annotations

import contextlib
import json

import numpy as np


def _svm_plus():
    from lupi_ts import SVMPlusClassifier

    return SVMPlusClassifier


def _knowledge_transfer():
    from lupi_ts import KnowledgeTransferClassifier

    return KnowledgeTransferClassifier


def _neural_distillation():
    # lupi_ts.neural needs the optional torch extra: imported only when used.
    from lupi_ts.neural import NeuralDistillationClassifier

    return NeuralDistillationClassifier


MLP_SETTINGS = {
    # Small networks for ~100 training windows: one hidden layer, a fixed number of
    # epochs (no early stopping: a held-out fifth of 100 windows is too noisy) and
    # CPU, which is faster than a GPU for these sizes and bit-reproducible.
    "teacher": {"name": "mlp", "hidden": [32]},
    "student": {"name": "mlp", "hidden": [32]},
    # learning rate 1e-2 x 100 epochs: at 3e-3 x 60 the λ = 0 network was undertrained on
    # Mackey-Glass (0.79 vs 0.83 test accuracy over 4 repeats), which flattered
    # distillation.
    "max_epochs": 100,
    "learning_rate": 1e-2,
    "weight_decay": 1e-4,
    "device": "cpu",
    "random_state": 0,
}
# name -> (function returning the estimator class, hyper-parameter grid)
EXTRA_MODELS = {
    "svmplus": (_svm_plus, [{"C": 0.1}, {"C": 1.0}, {"C": 10.0}]),
    "kt": (_knowledge_transfer, [{"random_state": 0}]),
    "mlp": (
        _neural_distillation,
        [{**MLP_SETTINGS, "imitation": 0.0, "temperature": 1.0}]
        + [
            {**MLP_SETTINGS, "imitation": lam, "temperature": temp}
            for lam in (0.5,)
            for temp in (1.0, 5.0)
        ],
    ),
}
# Model families that need an optional dependency: name -> (module, extra).
REQUIRES = {"mlp": ("torch", "torch")}


def require_extras(names):
    """Raise a clear error when an optional dependency of ``names`` is missing."""
    import importlib.util

    for name in names:
        if name in REQUIRES:
            module, extra = REQUIRES[name]
            if importlib.util.find_spec(module) is None:
                raise ValueError(
                    f"--models {name} needs {module}: install it with "
                    f'pip install "lupi-ts[{extra}]".'
                )


def varying(grid):
    """Parameter names whose value changes across ``grid`` (the ones worth reporting)."""
    keys = dict.fromkeys(k for params in grid for k in params)
    return [k for k in keys if len({json.dumps(p.get(k), sort_keys=True) for p in grid}) > 1]


def extra_models(arrays, cfg, train, val, test, names):
    """Validation-tuned extra LUPI learners: test accuracy of each chosen setting."""
    import warnings

    from .models import Standardiser

    y = arrays["y"]
    scale = Standardiser(arrays["X"][train])
    Xtr, Xva, Xte = (scale(arrays["X"][rows]) for rows in (train, val, test))
    out = {}
    for name in names:
        load, grid = EXTRA_MODELS[name]
        cls = load()
        shown = varying(grid)
        threads = contextlib.nullcontext()
        if REQUIRES.get(name, ("",))[0] == "torch":
            threads = torch_threads(1)  # tiny nets: one thread per worker, like BLAS
        best = best_base = None
        with threads:
            for i, pi in enumerate(cfg["grid"]["privileged"]):
                Xp = arrays["X_priv"][pi][train]
                Xp = Standardiser(Xp)(Xp)
                for params in grid:
                    no_pi = float(params.get("imitation", 1.0)) == 0.0
                    if no_pi and i > 0:
                        continue  # λ = 0 ignores the teacher: one fit for all types
                    est = cls(**params)
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")  # convergence notes of tiny problems
                        est.fit(Xtr, y[train].astype(int), X_priv=Xp)
                    acc = float(np.mean(est.predict(Xva) == y[val]))
                    row = (acc, "-" if no_pi else pi, params, est)
                    if best is None or acc > best[0]:
                        best = row
                    if no_pi and (best_base is None or acc > best_base[0]):
                        best_base = row
        for key, chosen in ((f"{name}_baseline", best_base), (name, best)):
            if chosen is None:
                continue
            acc, pi, params, est = chosen
            out[key] = {
                "select_accuracy": acc,
                "privileged": pi,
                "params": {k: params[k] for k in shown if k in params},
                "test_accuracy": float(np.mean(est.predict(Xte) == y[test])),
            }
    return out


@contextlib.contextmanager
def torch_threads(n):
    """Limit torch to ``n`` threads inside the block."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def extra_rows(cfg):
    """Row names of the extra models, each family's ``_baseline`` row first."""
    rows = []
    for name in cfg.get("models", {}).get("extra", []):
        grid = EXTRA_MODELS[name][1]
        if any(float(p.get("imitation", 1.0)) == 0.0 for p in grid):
            rows.append(f"{name}_baseline")
        rows.append(name)
    return rows
