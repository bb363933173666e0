"""Teachers of the Hayashi et al. (2019) variant study and the student grid on their logits.

Used by :mod:`studies.hayashi2019_variants`; every teacher returns ``(logits on
the training windows, {name: its own test accuracy})``. They are built on the
public modules of :mod:`lupi_ts.experiments.hayashi2019` (windows, grids,
selection), so a variant's λ = 0 baseline is the main experiment's.
"""

from __future__ import annotations

import copy
import math

import numpy as np
from lupi_ts.experiments.hayashi2019 import data as HD
from lupi_ts.experiments.hayashi2019 import models as HM

from lupi_ts import fit_ridge_grid

# Ridge penalties α of ||w||² (0: minimum-norm least squares), chosen on the
# validation squared error. Passed to lupi_ts.fit_ridge_grid as C = 1 / α.
RIDGE_ALPHAS = (0.0, 0.1, 1.0, 10.0, 100.0, 1000.0)
# Calibrated scale: sigmoid(1.7 u) is close to the normal CDF Φ(u), so
# 1.7 · prediction / RMSE makes sigmoid(z) ≈ P(change > 0) for Gaussian errors.
PROBIT = 1.7
# Ridge variant -> teacher inputs ("priv": x*, "last": x* + x_t, "both": x* + x).
RIDGE_VARIANTS = {
    f"reg_{inputs}{suffix}": (inputs, bool(suffix))
    for inputs in ("priv", "last", "both")
    for suffix in ("", "_cal")
}

def ridge_inputs(arrays, pi, rows, inputs):
    Xp = arrays["X_priv"][pi][rows]
    if inputs == "last":
        return np.hstack([Xp, arrays["X"][rows, -arrays["n_features"] :]])
    if inputs == "both":  # x* first (hayashi2019's "both" puts x first)
        return np.hstack([Xp, arrays["X"][rows]])
    return Xp


def ridge_teachers(arrays, privileged, blocks, inputs, calibrated):
    """Ridge teachers of the change per privileged type: (logits on train, test accuracy)."""
    train, val, test = blocks
    change = arrays["change"]
    sd = float(change[train].std()) or 1.0
    Cs = [math.inf if a == 0 else 1.0 / a for a in RIDGE_ALPHAS]
    logits, accuracy = {}, {}
    for pi in privileged:
        X_fit = ridge_inputs(arrays, pi, train, inputs)
        grid = fit_ridge_grid(X_fit, change[train], Cs)  # standardised on the training rows
        coef, intercept, scale = grid.coef, grid.intercept, grid.transform
        X_val, X_test = (scale(ridge_inputs(arrays, pi, rows, inputs)) for rows in (val, test))
        mse = [
            np.mean((X_val @ coef[:, j] + intercept[j] - change[val]) ** 2)
            for j in range(len(Cs))
        ]
        j = int(np.argmin(mse))
        unit = np.sqrt(mse[j]) / PROBIT if calibrated else sd
        logits[pi] = ((scale(X_fit) @ coef[:, j] + intercept[j]) / unit)[:, None]
        # The predicted change's sign is the teacher's direction (>= 0: up or equal).
        predicted_up = X_test @ coef[:, j] + intercept[j] >= 0
        accuracy[pi] = float(np.mean(predicted_up == (arrays["y"][test] > 0.5)))
    return logits, accuracy


def ar_teacher(arrays, cfg, task, blocks):
    """The main experiment's AR teacher: (logits on the training windows, test accuracy)."""
    train, _, test = blocks
    logits, record = HM.ar_teacher(arrays, task, train, test, cfg)
    return logits, {"ar": record["test_accuracy"][0]}


# Ridge penalties of the VAR teacher (on standardised features, summed squared error).
VAR_ALPHAS = (1.0, 10.0, 100.0, 1000.0)


def feature_matrix(task_name, data_key):
    """All features of a task's series, one row per step, and the target's column."""
    from lupi_ts import get_task

    task = get_task(task_name)
    data = HD.load_task_data(task_name, data_key)
    if task.columns is None:
        return data[:, None], 0
    return data[list(task.columns)].to_numpy(dtype=float), list(task.columns).index(task.target)


def var_teacher(arrays, cfg, task, blocks):
    """Ridge VAR(1) teacher fitted on the training span: (logits on train, test accuracy)."""
    train, val, test = blocks
    feats, col = feature_matrix(task.name, HD.data_key(cfg, task.name)[0])
    t = arrays["t"]
    span = feats[t[train[0]] - (task.input_length - 1) : t[train[-1]] + task.horizon + 1]
    mean, sd = np.nanmean(span, axis=0), np.nanstd(span, axis=0)
    sd = np.where(sd > 1e-12, sd, 1.0)
    Z = (span - mean) / sd
    X_, Y_ = Z[:-1], Z[1:]
    ok = np.isfinite(X_).all(axis=1) & np.isfinite(Y_).all(axis=1)
    X_, Y_ = X_[ok], Y_[ok]
    x_mean, y_mean = X_.mean(axis=0), Y_.mean(axis=0)
    gram = (X_ - x_mean).T @ (X_ - x_mean)
    cross = (X_ - x_mean).T @ (Y_ - y_mean)

    def forecast(rows, W):
        state = (feats[t[rows]] - mean) / sd
        for _ in range(task.horizon):
            state = (state - x_mean) @ W + y_mean
        return state[:, col] * sd[col] + mean[col]

    change = arrays["change"]
    fits = [np.linalg.solve(gram + a * np.eye(gram.shape[0]), cross) for a in VAR_ALPHAS]
    mse = [np.mean((forecast(val, W) - arrays["target_last"][val] - change[val]) ** 2)
           for W in fits]  # fmt: skip
    W = fits[int(np.argmin(mse))]
    unit = float(change[train].std()) or 1.0
    logits = ((forecast(train, W) - arrays["target_last"][train]) / unit)[:, None]
    up = forecast(test, W) >= arrays["target_last"][test]
    return logits, {"var": float(np.mean(up == (arrays["y"][test] > 0.5)))}


# Inverse L2 penalty of the hindsight model: thousands of windows make the fit
# insensitive to it; a mild penalty keeps it finite on separable Mackey-Glass data.
HINDSIGHT_C = 1.0


def hindsight_rows(arrays, test):
    """Windows sharing no step with a test window (the complement of its purged span)."""
    t = np.asarray(arrays["t"], dtype=np.int64)
    windows = arrays["windows"]
    span = int(windows.lookback) + int(windows.lookahead)
    lo, hi = t[test[0]] - span, t[test[-1]] + span
    return np.flatnonzero((t < lo) | (t > hi))


def hindsight_teacher(arrays, blocks):
    """Logits on the training windows of a direction model fitted outside the test block.

    Returns ``(logits of shape (n_train, 1), {"x": its own test accuracy})``.
    """
    from sklearn.linear_model import LogisticRegression

    train, _, test = blocks
    rows = hindsight_rows(arrays, test)
    X, y = arrays["X"], arrays["y"] > 0.5
    scale = HM.Standardiser(X[rows])
    model = LogisticRegression(C=HINDSIGHT_C, max_iter=1000).fit(scale(X[rows]), y[rows])
    logits = model.decision_function(scale(X[train]))[:, None]
    accuracy = float(np.mean(model.predict(scale(X[test])) == y[test]))
    return logits, {"x": accuracy}


def evaluate_pool(arrays, cfg, blocks, logits):
    """:func:`evaluate` with every entry of ``logits`` (one column each) as a teacher type."""
    grid_cfg = copy.deepcopy(cfg)
    grid_cfg["grid"]["privileged"] = list(logits)
    return evaluate(arrays, grid_cfg, blocks, logits, dict.fromkeys(logits, 0))


def evaluate(arrays, cfg, blocks, logits, choice):
    """The student grid on these teacher logits: test accuracy of every rule's pick."""
    from scipy.special import expit

    train, val, test = blocks
    y = arrays["y"]
    Z = HM.student_pass(arrays, cfg, train, logits, choice, {"score": val, "test": test})
    correct, loss = HM.scores(Z["score"], y[val])
    test_correct, _ = HM.scores(Z["test"], y[test], with_loss=False)
    sel_acc, sel_ll = correct / val.size, loss / val.size  # (n_regs, n_targets)
    test_acc = (test_correct / test.size).ravel()
    is_baseline = np.zeros(sel_acc.shape, bool)
    is_baseline[:, 0] = True  # target column 0 is λ = 0
    out = {
        "base": float(test_acc[HM.select(sel_acc, sel_ll, "accuracy", is_baseline)]),
        "stud": float(test_acc[HM.select(sel_acc, sel_ll, "accuracy")]),
    }
    Z_test = Z["test"].reshape(test.size, -1)
    y_test = y[test] > 0.5
    acc, ll = sel_acc.ravel(), sel_ll.ravel()
    index = np.arange(acc.size)
    baseline = is_baseline.ravel()
    by_accuracy = np.lexsort((index, ll, -acc))  # accuracy, ties by log-loss, then order
    by_log_loss = np.lexsort((index, -acc, ll))
    for prefix, order, ks in (("top", by_accuracy, (5, 25)), ("ll", by_log_loss, (1, 10))):
        base_order = order[baseline[order]]
        for k in ks:
            for side, cols in (("base", base_order[:k]), ("stud", order[:k])):
                # Average the probabilities of the k best configurations, then threshold.
                proba = expit(Z_test[:, cols]).mean(axis=1)
                out[f"{side}_{prefix}{k}"] = float(np.mean((proba > 0.5) == y_test))
    return out
