"""Teachers, students and selection of the Hayashi et al. (2019) experiment.

Whole grids are fitted at once: the logistic grids by the batched solver
:func:`lupi_ts.linear.fit_logistic_grid`, the ridge grids by one SVD. Soft
labels and targets come from :func:`lupi_ts.soft_labels` and
:func:`lupi_ts.mix_targets`.
"""

from __future__ import annotations

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


def ridge_grid(X, target, regs):
    """Ridge fits of ``target`` on standardised ``X`` for every (penalty, C) of ``regs``.

    The penalty is ``||w||^2 / (2 C)`` on the summed squared error (the
    logistic grid's scaling); ``"none"`` is the minimum-norm least-squares fit.
    One SVD serves the whole grid. Returns coefficients ``(n_features,
    n_regs)`` and intercepts ``(n_regs,)``.
    """
    x_mean, t_mean = X.mean(axis=0), target.mean()
    U, sv, Vt = np.linalg.svd(X - x_mean, full_matrices=False)
    Uty = U.T @ (target - t_mean)
    coef = np.empty((X.shape[1], len(regs)))
    cutoff = 1e-10 * sv.max(initial=0.0)  # singular directions of collinear inputs
    for j, (pen, C) in enumerate(regs):
        if pen == "none":
            f = np.divide(1.0, sv, out=np.zeros_like(sv), where=sv > cutoff)
        else:
            f = sv / (sv**2 + 1.0 / C)
        coef[:, j] = Vt.T @ (f * Uty)
    return coef, t_mean - x_mean @ coef


def fit_teacher(arrays, cfg, pi, fit_rows, regs):
    """The teacher grid of type ``pi`` fitted on ``fit_rows``: rows -> logits (n, n_regs).

    A classifier's logits are its decision function. A regression teacher's
    "logits" are its predicted change divided by the standard deviation of the
    change on the fitting rows, so that ``sigmoid(z / T)`` is a soft direction
    label whose confidence grows with the size of the predicted move.
    """
    mode = cfg["protocol"]["teacher_inputs"]
    Xf = teacher_design(arrays, pi, fit_rows, mode)
    scale = Standardiser(Xf)
    if cfg["protocol"].get("teacher_model", "classifier") == "regression":
        change = arrays["change"][fit_rows]
        unit = float(change.std())
        unit = unit if unit > 0 else 1.0
        coef, intercept = ridge_grid(scale(Xf), change, regs)
        return lambda rows: (
            scale(teacher_design(arrays, pi, rows, mode)) @ coef + intercept
        ) / unit
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
    mode = cfg["protocol"]["teacher_inputs"]
    n = fit_rows.size
    out = np.zeros(n)
    for held in np.array_split(np.arange(n), int(cfg["protocol"].get("cv_folds", 5))):
        keep = fit_rows[np.setdiff1d(np.arange(n), held)]
        Xk = teacher_design(arrays, pi, keep, mode)
        scale = Standardiser(Xk)
        coef, intercept = ridge_grid(scale(Xk), arrays["change"][keep], [reg])
        out[held] = scale(teacher_design(arrays, pi, fit_rows[held], mode)) @ coef[:, 0]
        out[held] += intercept[0]
    return out


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
    """AutoReg on the training block's target series: ``(const, phi)``, order by AIC.

    The segment runs from the first training window's first input step to the
    last training window's label step: the training block's whole span.
    """
    import warnings

    from statsmodels.tsa.ar_model import AutoReg, ar_select_order

    series = arrays["series"]
    t = arrays["t"]
    lookback = task.input_length - 1
    seg = series[t[train_rows[0]] - lookback : t[train_rows[-1]] + task.horizon + 1]
    max_lag = int(max_lag) or task.input_length
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sel = ar_select_order(seg, maxlag=max_lag, ic="aic", trend="c", missing="drop")
        lags = max(sel.ar_lags) if sel.ar_lags else 1
        params = AutoReg(seg, lags=lags, trend="c", missing="drop").fit().params
    return float(params[0]), np.asarray(params[1:], dtype=float)


def ar_forecast(arrays, task, rows, fit):
    """Iterated ``task.horizon``-step forecasts of x_{t+k} from each window's last steps."""
    const, phi = fit
    series, t = arrays["series"], arrays["t"][rows]
    hist = np.stack([series[t - j] for j in range(phi.size)], axis=1)  # x_t, x_{t-1}, ...
    for _ in range(task.horizon):
        nxt = const + hist @ phi
        hist = np.column_stack([nxt, hist[:, :-1]])
    return hist[:, 0]


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
    unit = float(arrays["change"][train_rows].std()) or 1.0
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
    return {"lags": int(fit[1].size), "test_accuracy": accuracy}
