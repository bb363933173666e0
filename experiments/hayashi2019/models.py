"""Teachers, students and selection of the Hayashi et al. (2019) experiment.

Whole grids are fitted at once: the logistic grids by the batched solver
:func:`lupi_ts.linear.fit_logistic_grid`, the ridge grids by one SVD. Soft
labels and targets come from :func:`lupi_ts.soft_labels` and
:func:`lupi_ts.mix_targets`.
"""

from __future__ import annotations

import math

import numpy as np

from .config import reg_configs, target_specs, teacher_regs


class Standardiser:
    """Centre and scale with statistics of the fitting rows only (constant columns kept)."""

    def __init__(self, X):
        self.mean = X.mean(axis=0)
        scale = X.std(axis=0)
        self.scale = np.where(scale > 1e-12 * (1 + np.abs(self.mean)), scale, 1.0)

    def __call__(self, X):
        return (X - self.mean) / self.scale


def fit_grid(X, targets, reg_configs, solver):
    """Fit every (penalty, C) of ``reg_configs`` for every target column."""
    from lupi_ts.linear import fit_logistic_grid

    fits = []
    for pen in dict.fromkeys(p for p, _ in reg_configs):
        Cs = [c for p, c in reg_configs if p == pen]
        fits.append(
            fit_logistic_grid(
                X,
                targets,
                penalty=pen,
                Cs=[1.0] if pen == "none" else Cs,
                tol=float(solver["tol"]),
                max_iter=int(solver["max_iter"]),
            )
        )
    return fits


def decision(fits, X):
    """Logits of every fitted problem: (n_samples, n_reg_configs, n_targets)."""
    return np.concatenate([f.decision_function(X) for f in fits], axis=1)


def scores(Z, y, with_loss=True):
    """Correct counts and summed log-loss per configuration (leading axis = samples)."""
    yy = y.reshape((-1,) + (1,) * (Z.ndim - 1))
    correct = ((Z > 0) == (yy > 0.5)).sum(axis=0)
    if not with_loss:  # the 10,000 test windows of Mackey-Glass make the loss costly
        return correct, None
    loss = (np.logaddexp(0.0, Z) - yy * Z).sum(axis=0)
    return correct, loss


def select(accuracy, log_loss, metric, candidates=None):
    """Index of the best configuration (flat order breaks exact ties: first wins)."""
    acc = np.asarray(accuracy, dtype=float).ravel()
    ll = np.asarray(log_loss, dtype=float).ravel()
    ll = np.where(np.isfinite(ll), ll, np.inf)
    order = np.arange(acc.size)
    mask = np.ones(acc.size, bool) if candidates is None else np.asarray(candidates).ravel()
    if metric == "accuracy":
        keys = (order, ll, -acc)
    else:
        keys = (order, -acc, ll)
    ranked = np.lexsort(keys)
    ranked = ranked[mask[ranked]]
    return int(ranked[0])


def teacher_design(arrays, pi, rows, mode):
    Xp = arrays["X_priv"][pi][rows]
    if mode == "both":
        return np.hstack([arrays["X"][rows], Xp])
    if mode == "last":
        return np.hstack([Xp, arrays["X"][rows, -arrays["n_features"] :]])
    return Xp


def ridge_Cs(regs):
    """The ``C`` values of :func:`lupi_ts.fit_ridge_grid` for (penalty, C) pairs.

    ``"none"`` is the minimum-norm least-squares fit (``C = inf``); the ridge
    penalty ``||w||^2 / (2 C)`` on the summed squared error has the logistic
    grid's scaling, so ``C`` means the same for both teachers.

    Examples
    --------
    >>> ridge_Cs([("none", float("inf")), ("l2", 0.1)])
    [inf, 0.1]
    """
    return [math.inf if pen == "none" else float(C) for pen, C in regs]


def fit_teacher(arrays, cfg, pi, fit_rows, regs):
    """The teacher grid of type ``pi`` fitted on ``fit_rows``: rows -> logits (n, n_regs).

    A classifier's logits are its decision function. A regression teacher's
    "logits" are its predicted change divided by the standard deviation of the
    change on the fitting rows, so that ``sigmoid(z / T)`` is a soft direction
    label whose confidence grows with the size of the predicted move.
    """
    from lupi_ts import fit_ridge_grid

    mode = cfg["protocol"]["teacher_inputs"]
    Xf = teacher_design(arrays, pi, fit_rows, mode)
    if cfg["protocol"].get("teacher_model", "classifier") == "regression":
        change = arrays["change"][fit_rows]
        unit = float(change.std())
        unit = unit if unit > 0 else 1.0
        grid = fit_ridge_grid(Xf, change, ridge_Cs(regs))  # standardised on the fitting rows
        return lambda rows: grid.predict(teacher_design(arrays, pi, rows, mode)) / unit
    scale = Standardiser(Xf)
    fits = fit_grid(scale(Xf), arrays["y"][fit_rows], regs, cfg["solver"])
    return lambda rows: decision(fits, scale(teacher_design(arrays, pi, rows, mode)))[:, :, 0]


def teacher_pass(arrays, cfg, fit_rows, eval_rows):
    """Teacher grids fitted on ``fit_rows``: logits on the fit rows and on each eval set.

    For a regression teacher ``"unit"`` holds the scale of its logits (the
    standard deviation of the change on ``fit_rows``).
    """
    regs = teacher_regs(cfg)
    out = {}
    for pi in cfg["grid"]["privileged"]:
        predict = fit_teacher(arrays, cfg, pi, fit_rows, regs)
        res = {"fit": predict(fit_rows)}
        for name, rows in eval_rows.items():
            res[name] = predict(rows)
        res["unit"] = float(arrays["change"][fit_rows].std()) or 1.0
        out[pi] = res
    return out


def cross_fit_chosen(arrays, cfg, passes, choice):
    """Replace the chosen teachers' in-sample logits by out-of-fold ones (in place).

    ``passes`` pairs each teacher pass with its fitting rows. Only the chosen
    (penalty, C) of each privileged type is refitted, ``cv_folds`` times.
    """
    regs = teacher_regs(cfg)
    regression = cfg["protocol"].get("teacher_model", "classifier") == "regression"
    for tp, fit_rows in passes:
        for pi, c in choice.items():
            tp[pi]["fit"] = tp[pi]["fit"].copy()
            if regression:
                tp[pi]["fit"][:, c] = cross_fitted_predictions(
                    arrays, cfg, pi, fit_rows, regs[c]
                ) / tp[pi]["unit"]
                continue
            Xf = teacher_design(arrays, pi, fit_rows, cfg["protocol"]["teacher_inputs"])
            tp[pi]["fit"][:, c] = cross_fitted_logits(
                Xf, arrays["y"][fit_rows], [regs[c]], cfg
            )[:, 0]


def cross_fitted_predictions(arrays, cfg, pi, fit_rows, reg):
    """Out-of-fold predicted changes of a ridge teacher (same folds as the classifier's)."""
    from lupi_ts import RidgeTeacher, cross_fitted_outputs

    Xf = teacher_design(arrays, pi, fit_rows, cfg["protocol"]["teacher_inputs"])
    teacher = RidgeTeacher(C=ridge_Cs([reg])[0])
    n_splits = int(cfg["protocol"].get("cv_folds", 5))
    return cross_fitted_outputs(teacher, Xf, arrays["change"][fit_rows], n_splits=n_splits)


def cross_fitted_logits(X_fit, y_fit, regs, cfg):
    """Out-of-fold teacher logits on the fitting rows (contiguous folds, in time order).

    In-sample logits of a teacher fitted on ~100 windows are over-confident
    (soft labels close to the hard ones); each fold's logits here come from a
    teacher that did not see it. Folds are contiguous blocks; the purge between
    them is left out because only the teacher's scores, not a test estimate,
    are produced.
    """
    n = y_fit.size
    k = int(cfg["protocol"].get("cv_folds", 5))
    out = np.zeros((n, len(regs)))
    for held in np.array_split(np.arange(n), k):
        keep = np.setdiff1d(np.arange(n), held)
        scale = Standardiser(X_fit[keep])
        fits = fit_grid(scale(X_fit[keep]), y_fit[keep], regs, cfg["solver"])
        out[held] = decision(fits, scale(X_fit[held]))[:, :, 0]
    return out


def student_targets(y_fit, teacher_logits, teacher_choice, specs):
    from lupi_ts import mix_targets, soft_labels

    cols = []
    for pi, temp, lam in specs:
        if lam == 0.0:
            cols.append(y_fit)
        else:
            z = teacher_logits[pi][:, teacher_choice[pi]]
            cols.append(mix_targets(y_fit, soft_labels(z, temp), lam))
    return np.column_stack(cols)


def student_pass(arrays, cfg, fit_rows, teacher_logits, teacher_choice, eval_rows):
    specs = target_specs(cfg)
    regs = reg_configs(cfg["grid"])
    y_fit = arrays["y"][fit_rows]
    scale = Standardiser(arrays["X"][fit_rows])
    targets = student_targets(y_fit, teacher_logits, teacher_choice, specs)
    fits = fit_grid(scale(arrays["X"][fit_rows]), targets, regs, cfg["solver"])
    return {name: decision(fits, scale(arrays["X"][rows])) for name, rows in eval_rows.items()}


def ar_fit(arrays, task, train_rows, max_lag):
    """The AR teacher (:class:`lupi_ts.ARTeacher`) fitted on the training block's span.

    The segment of the target series runs from the first training window's
    first input step to the last training window's label step: the training
    block's whole span. Order by AIC up to ``max_lag`` (0: the input length);
    its logits' scale is the standard deviation of the change on the training
    windows.
    """
    from lupi_ts import ARTeacher

    series = arrays["series"]
    t = arrays["t"]
    lookback = task.input_length - 1
    seg = series[t[train_rows[0]] - lookback : t[train_rows[-1]] + task.horizon + 1]
    teacher = ARTeacher(horizon=task.horizon, max_lag=int(max_lag) or task.input_length)
    return teacher.fit(seg, change_scale=float(arrays["change"][train_rows].std()))


def ar_forecast(arrays, task, rows, teacher):
    """Iterated ``task.horizon``-step forecasts of x_{t+k} from each window's last steps."""
    series, t = arrays["series"], arrays["t"][rows]
    # The target's last n_lags_ values up to x_t, oldest first.
    lags = np.stack([series[t - j] for j in range(teacher.n_lags_ - 1, -1, -1)], axis=1)
    return teacher.forecast(lags)


def ar_teacher(arrays, task, train_rows, test_rows, cfg, fit=None):
    """The AR teacher: logits on the training windows and its record in ``teachers``.

    The AutoReg of :func:`ar_fit` learns the target's one-step dynamics from the
    training block's whole span, i.e. also from every step after each training
    window up to its label (x_{t+1} ... x_{t+k}: privileged, never seen by the
    student), and forecasts k steps ahead by iterating them. Its logits are the
    forecast change over the standard deviation of the change on the training
    windows, like a regression teacher's. With at most L lags they are a
    linear function of the student's inputs, so the student can imitate them.
    ``fit`` (from :func:`ar_fit`) is reused when given: the AR baseline row is
    the same model.
    """
    if fit is None:
        fit = ar_fit(arrays, task, train_rows, cfg["ar_baseline"]["max_lag"])
    unit = fit.change_scale_  # sd of the change on the training windows (0 -> 1)
    predicted = ar_forecast(arrays, task, train_rows, fit) - arrays["target_last"][train_rows]
    own = ar_baseline(arrays, task, train_rows, test_rows, None, fit=fit)
    record = {"test_accuracy": [own["test_accuracy"]], "chosen": 0, "lags": own["lags"]}
    return (predicted / unit)[:, None], record


def ar_baseline(arrays, task, train_rows, test_rows, max_lag, fit=None):
    """Direction of iterated AutoReg forecasts fitted on the training block's target series.

    ``fit`` (from :func:`ar_fit`) is reused when given, ``max_lag`` then unused.
    """
    if fit is None:
        fit = ar_fit(arrays, task, train_rows, max_lag)
    forecast = ar_forecast(arrays, task, test_rows, fit)
    pred = (forecast >= arrays["target_last"][test_rows]).astype(float)
    accuracy = float(np.mean(pred == arrays["y"][test_rows]))
    return {"lags": int(fit.n_lags_), "test_accuracy": accuracy}
