"""Other LUPI learners on the placements of the Hayashi et al. (2019) experiment.

``--models logistic,svmplus,kt,mlp`` adds rows for other learners, tuned on the
validation block over their grid and the privileged type, like the logistic
student. A grid with ``imitation`` 0 entries also gets a ``<name>_baseline``
row: the best λ = 0 setting, the model family's own no-distillation baseline.

``lupts`` and ``selector`` (:data:`TRAJECTORY_MODELS`) read the privileged
information as a *trajectory*: every step strictly between the last input step
``t`` and the output ``t + k`` (:func:`.data.task_trajectory`), not the AI / M /
BAO pairs. ``lupts`` is :class:`lupi_ts.LuPTSRegressor` of the value ``x_{t+k}``
along that trajectory, its forecast compared with ``x_t`` (:class:`LuPTSDirection`;
the label compares with ``x_t``, which a last step on ``x_{t+k-1}`` alone cannot
see); ``selector`` is
:class:`lupi_ts.PrivilegedModelSelector` fitted once on the training block (its
purged blocked CV there decides between the plain logistic model, distilled
students and LuPTS). Both are tuned on the validation block over their grid like
the other rows, and paired against the logistic baseline and the AR baseline.
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


class LuPTSDirection:
    """LuPTS for the direction label ``y = 1[x_t <= x_{t+k}]`` (an experiment helper).

    :class:`lupi_ts.LuPTSRegressor` of the target's value ``x_{t+k}`` along the
    privileged trajectory ``x -> x_{t+1} -> ... -> x_{t+k-1} -> x_{t+k}`` (the
    paper's estimator: ``carry_inputs=False``, no transition intercept, the columns
    being centred on the fitting rows); the predicted direction is
    ``1[x_t <= prediction]``, as for the AR baseline's forecast. ``carry_inputs=True``
    is not used: with ``X`` in every step the composed predictor is exactly the
    (ridge) regression on ``X`` alone, LuPTS then adds nothing. ``features="target"``
    keeps only the target series in the trajectory (the transitions model one
    variable, as the AR baseline does); ``"all"`` every feature. ``alpha`` is the
    ridge penalty of every step (``None``: least squares).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = np.cumsum(rng.normal(size=400))
    >>> X = np.stack([x[i : i + 3] for i in range(390)])          # inputs t-2, t-1, t
    >>> traj = np.stack([x[i + 3 : i + 6] for i in range(390)])[:, :, None]   # t+1..t+3
    >>> value = x[6:396]                                            # x_{t+4}
    >>> model = LuPTSDirection(alpha=1.0, last_column=2)
    >>> y = (X[:, -1] <= value).astype(int)
    >>> model = model.fit(X, y, X_priv=traj, value=value)
    >>> model.predict(X[:4]).shape
    (4,)
    """

    def __init__(self, features="all", alpha=1.0, target_column=0, last_column=0):
        self.features = features
        self.alpha = alpha
        self.target_column = target_column
        self.last_column = last_column

    def fit(self, X, y, *, X_priv, value, **_):
        from lupi_ts import LuPTSRegressor

        traj = X_priv
        if self.features == "target":
            traj = X_priv[:, :, self.target_column : self.target_column + 1]
        reg = {} if self.alpha is None else {"regularization": "ridge", "alpha": self.alpha}
        self.model_ = LuPTSRegressor(**reg).fit(X, value, X_priv=traj)
        return self

    def predict(self, X):
        # The column of X holding x_t on the scale of ``value`` (see _trajectory_fits).
        return (X[:, self.last_column] <= self.model_.predict(X)).astype(int)


class SelectorDirection:
    """:class:`lupi_ts.PrivilegedModelSelector` on the direction task (an experiment helper).

    ``teacher="change"`` gives its distilled candidates a regression teacher of the
    change ``x_{t+k} - x_t`` (``teacher_target``); ``"label"`` a logistic teacher of
    the direction. The plain model is a standardised
    :class:`lupi_ts.SoftLabelLogisticRegression` with ``penalty`` (``"l2"`` or
    ``None``) and inverse strength ``C``, over the logistic baseline's grid (an
    unpenalised option included: without it the plain model inside the selector is
    weaker than the baseline it is compared with). The
    purge ``gap`` is the window's span, ``(L - 1) + k`` rows.
    """

    def __init__(self, teacher="change", C=1.0, penalty="l2", gap=0, n_step_features=1):
        self.teacher = teacher
        self.C = C
        self.penalty = penalty
        self.gap = gap
        self.n_step_features = n_step_features

    def fit(self, X, y, *, X_priv, change, **_):
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        from lupi_ts import PrivilegedModelSelector, SoftLabelLogisticRegression

        plain = make_pipeline(
            StandardScaler(), SoftLabelLogisticRegression(penalty=self.penalty, C=self.C)
        )
        self.model_ = PrivilegedModelSelector(
            plain,
            task="classification",
            teacher_inputs="last",
            n_step_features=self.n_step_features,
            gap=self.gap,
        )
        target = change if self.teacher == "change" else None
        self.model_.fit(X, y, X_priv=X_priv, teacher_target=target)
        return self

    def predict(self, X):
        return self.model_.predict(X)


def _lupts():
    return LuPTSDirection


def _selector():
    return SelectorDirection


# Rows that read the privileged trajectory (every step between input and output)
# instead of the AI / M / BAO types.
TRAJECTORY_MODELS = ("lupts", "selector")
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
    "lupts": (
        _lupts,
        [
            {"features": features, "alpha": alpha}
            for features in ("all", "target")
            for alpha in (None, 1.0, 10.0, 100.0, 1000.0)
        ],
    ),
    "selector": (
        _selector,
        # The plain model's grid is the logistic baseline's ([grid] of hayashi2019.toml,
        # its l1 option left out for time): unpenalised, or l2 with C in 0.01 .. 10.
        [
            {"teacher": t, "penalty": p, "C": C}
            for t in ("change", "label")
            for p, C in [(None, 1.0)] + [("l2", C) for C in (0.01, 0.1, 1.0, 10.0)]
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


def extra_models(arrays, cfg, train, val, test, names, trajectory=None, task=None):
    """Validation-tuned extra LUPI learners: test accuracy of each chosen setting.

    ``trajectory`` (from :func:`.data.task_trajectory`) and ``task`` are needed by
    the rows of :data:`TRAJECTORY_MODELS` only.
    """
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
        if name in TRAJECTORY_MODELS:
            fits = _trajectory_fits(arrays, scale, train, trajectory, task, name, cls, grid)
        else:
            fits = _type_fits(arrays, cfg, train, Xtr, cls, grid)
        with threads:
            for no_pi, pi, params, fit in fits:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # convergence notes of tiny problems
                    est = fit()
                acc = float(np.mean(est.predict(Xva) == y[val]))
                row = (acc, pi, params, est)
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
            if isinstance(est, SelectorDirection):  # its own choice, and the evidence
                sel = est.model_
                out[key]["selected"] = sel.selected_
                out[key]["best_privileged"] = sel.best_privileged_
                out[key]["cv_gain"] = [float(sel.gain_), float(sel.gain_se_)]
    return out


def _type_fits(arrays, cfg, train, Xtr, cls, grid):
    """(no_pi, privileged type, params, fit()) of a model on the AI / M / BAO inputs."""
    from .models import Standardiser

    y = arrays["y"]
    for i, pi in enumerate(cfg["grid"]["privileged"]):
        Xp = arrays["X_priv"][pi][train]
        Xp = Standardiser(Xp)(Xp)
        for params in grid:
            no_pi = float(params.get("imitation", 1.0)) == 0.0
            if no_pi and i > 0:
                continue  # λ = 0 ignores the teacher: one fit for all types
            yield (
                no_pi,
                "-" if no_pi else pi,
                params,
                lambda params=params, Xp=Xp: cls(**params).fit(
                    Xtr, y[train].astype(int), X_priv=Xp
                ),
            )


def _trajectory_fits(arrays, scale, train, trajectory, task, name, cls, grid):
    """(no_pi, "ALL", params, fit()) of a model on the privileged trajectory.

    Training windows whose trajectory touches a gap (NaN) are left out of the
    fit; the inputs keep the standardisation of the whole training block, the
    trajectory's columns are standardised on the rows used.
    """
    from .models import Standardiser

    if trajectory is None or task is None:
        raise ValueError(f"the {name!r} row needs the privileged trajectory and the task.")
    ok = np.isfinite(trajectory[train]).all(axis=(1, 2))
    rows = train[ok]
    flat = trajectory[rows].reshape(rows.size, -1)
    traj = Standardiser(flat)(flat).reshape(trajectory[rows].shape)
    X = scale(arrays["X"][rows])
    y = arrays["y"][rows].astype(int)
    change = arrays["change"][rows]
    columns = list(arrays["windows"].columns)
    if name == "lupts":
        target_column = columns.index(task.target) if task.target else 0
        # x_t of the target is this column of X; LuPTS predicts x_{t+k} on its scale
        # (a monotone map of the raw value, so the direction is unchanged).
        last = (task.input_length - 1) * len(columns) + target_column
        value = (change + arrays["target_last"][rows] - scale.mean[last]) / scale.scale[last]
        context = {"target_column": target_column, "last_column": last}
    else:
        value = None
        context = {
            "gap": (task.input_length - 1) + task.horizon,
            "n_step_features": len(columns),
        }
    for params in grid:
        yield (
            False,
            "ALL",
            params,
            lambda params=params: cls(**params, **context).fit(
                X, y, X_priv=traj, change=change, value=value
            ),
        )


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
