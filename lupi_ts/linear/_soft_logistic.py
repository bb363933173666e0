"""Logistic regression on soft (probability) targets.

The objective is the one of :class:`sklearn.linear_model.LogisticRegression`
with the hard labels replaced by probabilities: for weights ``w_ik`` (the
sample weight times the class weight times the target probability of class k)

    sum_ik w_ik * (-log p_k(x_i)) / S  +  ((1 - r)/2 ||W||^2 + r ||W||_1) / (C * S),

with ``S = sum_ik w_ik`` and ``r`` the l1 ratio. This is exactly
LogisticRegression's ``C * sum(loss) + penalty`` divided by ``C * S`` (the
scaling scikit-learn 1.9 uses internally for L-BFGS), so ``C`` means the same in
both and, for hard labels, both minimise the same function. It is also what
LogisticRegression minimises on the data with every row duplicated once per
class, weighted by the target probabilities.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize
from scipy.special import expit, log_softmax, logsumexp, softmax
from sklearn.base import BaseEstimator, _fit_context
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.linear_model._base import LinearClassifierMixin
from sklearn.utils import check_array
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from .._distill import check_imitation, check_temperature
from .._validation import check_probabilities

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["SoftLabelLogisticRegression"]

def encode_targets(y: npt.ArrayLike, n_samples: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """Read ``y`` as hard labels or probabilities.

    Returns ``(classes, P, is_soft)`` where ``P`` is the (n_samples, n_classes)
    matrix of target probabilities (one-hot rows for hard labels).

    The rule:

    * 2-D ``y`` with at least two columns: a probability matrix (rows in [0, 1]
      summing to 1); ``classes_`` is ``arange(n_columns)``.
    * 2-D ``y`` with one column: raveled (with a DataConversionWarning), then 1-D.
    * 1-D ``y`` of class labels (strings, integers, or floats that are all whole
      numbers -- so 0.0/1.0 floats are hard labels): hard labels, ``classes_`` the
      sorted unique labels.
    * 1-D float ``y`` with a non-integer value, all in [0, 1]: the probability of
      class 1 (binary soft targets); ``classes_`` is ``[0, 1]``.
    * anything else (e.g. real values outside [0, 1]): ValueError.
    """
    if y is None:
        raise ValueError(
            "SoftLabelLogisticRegression requires y to be passed, but the target y is None."
        )
    y = check_array(y, ensure_2d=False, dtype=None, ensure_all_finite=True, input_name="y")
    if y.ndim == 2 and y.shape[1] == 1:
        warnings.warn(
            "A column-vector y was passed when a 1d array was expected. Please change "
            "the shape of y to (n_samples,), for example using ravel().",
            DataConversionWarning,
            stacklevel=3,
        )
        y = y[:, 0]
    if y.shape[0] != n_samples:
        raise ValueError(f"y must have one entry per row of X ({n_samples}); got {y.shape[0]}.")
    if y.ndim == 2:
        P = check_probabilities(y, n_samples, name="y")
        return np.arange(P.shape[1]), P, True
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D or 2-D; got an array of shape {y.shape}.")
    kind = type_of_target(y, input_name="y")
    if kind == "continuous":
        yf = y.astype(np.float64)
        if yf.min() < 0.0 or yf.max() > 1.0:
            raise ValueError(
                "Unknown label type: continuous. y must hold class labels, or "
                "probabilities of class 1 in [0, 1]; got values in "
                f"[{yf.min():.6g}, {yf.max():.6g}]."
            )
        return np.array([0, 1]), np.column_stack([1.0 - yf, yf]), True
    if kind not in ("binary", "multiclass"):
        raise ValueError(f"Unknown label type: {kind}. y must hold class labels or probabilities.")
    classes, codes = np.unique(y, return_inverse=True)
    if classes.shape[0] < 2:
        raise ValueError(
            f"y contains 1 class ({classes[0]}); this classifier needs samples of at "
            "least 2 classes (or soft targets)."
        )
    P = np.zeros((n_samples, classes.shape[0]))
    P[np.arange(n_samples), codes.ravel()] = 1.0
    return classes, P, False


def _binary_loss_grad(
    params: np.ndarray,
    X: np.ndarray,
    a: np.ndarray,
    r: np.ndarray,
    S: float,
    alpha: float,
    fit_intercept: bool,
) -> tuple[float, np.ndarray]:
    """Weighted binary cross-entropy ``sum(r*softplus(z) - a*z)/S`` and its gradient.

    ``a`` is the weight on class 1, ``r`` the total weight of each row.
    """
    d = X.shape[1]
    w = params[:d]
    z = X @ w
    if fit_intercept:
        z += params[d]
    loss = (r @ np.logaddexp(0.0, z) - a @ z) / S
    gz = (r * expit(z) - a) / S
    grad = np.empty_like(params)
    grad[:d] = X.T @ gz
    if fit_intercept:
        grad[d] = gz.sum()
    if alpha:
        loss += 0.5 * alpha * (w @ w)
        grad[:d] += alpha * w
    return loss, grad


def _multinomial_loss_grad(
    params: np.ndarray,
    X: np.ndarray,
    Wt: np.ndarray,
    r: np.ndarray,
    S: float,
    alpha: float,
    fit_intercept: bool,
) -> tuple[float, np.ndarray]:
    """Weighted multinomial cross-entropy ``sum(r*lse(Z) - sum(Wt*Z))/S`` and gradient."""
    n, d = X.shape
    K = Wt.shape[1]
    p = params.reshape(K, d + int(fit_intercept))
    W = p[:, :d]
    Z = X @ W.T
    if fit_intercept:
        Z += p[:, d]
    lse = logsumexp(Z, axis=1)
    loss = (r @ lse - np.einsum("ik,ik->", Wt, Z)) / S
    GZ = (r[:, None] * np.exp(Z - lse[:, None]) - Wt) / S
    grad = np.empty_like(p)
    grad[:, :d] = GZ.T @ X
    if fit_intercept:
        grad[:, d] = GZ.sum(axis=0)
    if alpha:
        loss += 0.5 * alpha * np.einsum("kj,kj->", W, W)
        grad[:, :d] += alpha * W
    return loss, grad.ravel()


def _binary_hinton_loss_grad(
    params: np.ndarray,
    X: np.ndarray,
    a: np.ndarray,
    r: np.ndarray,
    b: np.ndarray,
    q: np.ndarray,
    T: float,
    S: float,
    alpha: float,
    fit_intercept: bool,
) -> tuple[float, np.ndarray]:
    """Hinton's binary objective and its gradient.

    ``sum(r*softplus(z) - a*z + q*softplus(z/T) - b*z/T) / S``: ``a``/``r`` are
    the hard part's class-1 and row weights (times 1 - λ), ``b``/``q`` the soft
    part's (times λ T²). At T = 1 it is the generalized objective on the mixed
    targets.
    """
    d = X.shape[1]
    w = params[:d]
    z = X @ w
    if fit_intercept:
        z += params[d]
    zt = z / T
    loss = (r @ np.logaddexp(0.0, z) - a @ z + q @ np.logaddexp(0.0, zt) - b @ zt) / S
    gz = (r * expit(z) - a + (q * expit(zt) - b) / T) / S
    grad = np.empty_like(params)
    grad[:d] = X.T @ gz
    if fit_intercept:
        grad[d] = gz.sum()
    if alpha:
        loss += 0.5 * alpha * (w @ w)
        grad[:d] += alpha * w
    return loss, grad


def _multinomial_hinton_loss_grad(
    params: np.ndarray,
    X: np.ndarray,
    Wh: np.ndarray,
    rh: np.ndarray,
    Ws: np.ndarray,
    rs: np.ndarray,
    T: float,
    S: float,
    alpha: float,
    fit_intercept: bool,
) -> tuple[float, np.ndarray]:
    """Hinton's multinomial objective (hard part at T = 1, soft part at T) and gradient."""
    n, d = X.shape
    K = Wh.shape[1]
    p = params.reshape(K, d + int(fit_intercept))
    W = p[:, :d]
    Z = X @ W.T
    if fit_intercept:
        Z += p[:, d]
    Zt = Z / T
    lse = logsumexp(Z, axis=1)
    lse_t = logsumexp(Zt, axis=1)
    loss = (
        rh @ lse - np.einsum("ik,ik->", Wh, Z) + rs @ lse_t - np.einsum("ik,ik->", Ws, Zt)
    ) / S
    GZ = (
        rh[:, None] * np.exp(Z - lse[:, None])
        - Wh
        + (rs[:, None] * np.exp(Zt - lse_t[:, None]) - Ws) / T
    ) / S
    grad = np.empty_like(p)
    grad[:, :d] = GZ.T @ X
    if fit_intercept:
        grad[:, d] = GZ.sum(axis=0)
    if alpha:
        loss += 0.5 * alpha * np.einsum("kj,kj->", W, W)
        grad[:, :d] += alpha * W
    return loss, grad.ravel()


class SoftLabelLogisticRegression(LinearClassifierMixin, BaseEstimator):
    """Logistic regression that accepts soft (probability) targets.

    Minimises the mean (weighted) cross-entropy between the targets and the
    predicted probabilities plus a penalty, with ``C`` meaning exactly what it
    means in :class:`~sklearn.linear_model.LogisticRegression` (scikit-learn 1.9
    minimises ``C * sum(loss) + penalty``; this estimator minimises the same
    function divided by ``C`` times the sum of the weights). On hard labels it
    solves LogisticRegression's problem; on soft targets it solves the problem
    LogisticRegression would solve on the data with each row repeated once per
    class and weighted by the target probabilities.

    How ``y`` is read:

    * 1-D class labels (strings, integers, or whole-number floats: a 1-D ``y``
      of 0.0/1.0 floats is hard labels, ``classes_ = [0., 1.]``);
    * 1-D floats with a non-integer value, all in [0, 1]: probabilities of class
      1 (binary soft targets, ``classes_ = [0, 1]``);
    * a 2-D (n_samples, n_classes) matrix whose rows are probabilities summing
      to 1 (``classes_ = arange(n_classes)``; two columns give a binary model).

    Parameters
    ----------
    penalty : {"l2", "l1", "elasticnet"} or None, default="l2"
        Penalty on the coefficients (never on the intercept): ``0.5 ||w||^2``,
        ``||w||_1``, ``(1 - l1_ratio)/2 ||w||^2 + l1_ratio ||w||_1``, or none.
        LogisticRegression 1.9 spells these ``l1_ratio=0``, ``l1_ratio=1``,
        ``0 < l1_ratio < 1`` and ``C=np.inf``.
    C : float, default=1.0
        Inverse regularisation strength (> 0), as in LogisticRegression.
        Ignored when ``penalty=None``.
    l1_ratio : float, default=0.5
        Elastic-net mixing in [0, 1]; used only with ``penalty="elasticnet"``.
    fit_intercept : bool, default=True
        Whether to fit an (unpenalised) intercept.
    class_weight : dict, "balanced" or None, default=None
        Weight of each class. With soft targets a class weight multiplies the
        target probability of that class; "balanced" uses the (sample-weighted)
        soft class counts ``sum_i s_i * P_ik`` in ``S / (n_classes * count_k)``.
    tol : float, default=1e-4
        Stopping tolerance on the largest (projected) gradient component of the
        scaled objective, as for LogisticRegression's "lbfgs" solver.
    max_iter : int, default=100
        Maximum number of L-BFGS iterations.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (``[0, 1]`` for 1-D soft targets).
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Coefficients (one row for a binary problem, for class ``classes_[1]``).
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Intercepts (zeros when ``fit_intercept=False``).
    n_iter_ : ndarray of shape (1,)
        Number of solver iterations.
    n_features_in_ : int
        Number of features seen in fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names, when X was a DataFrame with string column names.

    Notes
    -----
    Smooth penalties are minimised with L-BFGS-B on the exact objective with an
    analytic gradient. The l1 and elastic-net penalties are made smooth by
    writing ``w = u - v`` with ``u, v >= 0`` (so ``||w||_1 = sum(u + v)`` at the
    optimum) and solved with L-BFGS-B under these bounds.

    Examples
    --------
    >>> import numpy as np
    >>> from lupi_ts import SoftLabelLogisticRegression
    >>> X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    >>> clf = SoftLabelLogisticRegression().fit(X, [0.1, 0.3, 0.7, 0.9])
    >>> clf.classes_
    array([0, 1])
    >>> clf.predict(X)
    array([0, 0, 1, 1])
    >>> bool(clf.predict_proba(X)[3, 1] > 0.5)
    True
    """

    def __init__(
        self,
        penalty: str | None = "l2",
        C: float = 1.0,
        *,
        l1_ratio: float = 0.5,
        fit_intercept: bool = True,
        class_weight: dict[Any, float] | str | None = None,
        tol: float = 1e-4,
        max_iter: int = 100,
    ) -> None:
        self.penalty = penalty
        self.C = C
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        self.tol = tol
        self.max_iter = max_iter

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        # The solver is numpy/scipy only (LinearClassifierMixin would claim array API).
        tags.array_api_support = False
        return tags

    _parameter_constraints: dict = {
        "penalty": [StrOptions({"l2", "l1", "elasticnet"}), None],
        "C": [Interval(Real, 0, np.inf, closed="neither")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "fit_intercept": ["boolean"],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "tol": [Interval(Real, 0, np.inf, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
    }

    def _l1_share(self) -> float:
        """Share ``r`` of the l1 term in the penalty."""
        if self.penalty == "elasticnet":
            return float(self.l1_ratio)
        return 1.0 if self.penalty == "l1" else 0.0

    def _class_weights(
        self, classes: np.ndarray, P: np.ndarray, sample_weight: np.ndarray, is_soft: bool
    ) -> np.ndarray | None:
        cw = self.class_weight
        if cw is None:
            return None
        if not is_soft or isinstance(cw, dict):
            # Hard labels: exactly LogisticRegression's computation. A dict does not
            # depend on y, so the class labels stand in for it.
            y_hard = classes[P.argmax(axis=1)] if not is_soft else classes
            sw = sample_weight if not is_soft else None
            return compute_class_weight(cw, classes=classes, y=y_hard, sample_weight=sw)
        counts = sample_weight @ P
        if np.any(counts <= 0):
            raise ValueError(
                "class_weight='balanced' needs a positive soft count for every class; "
                f"got {counts.tolist()}."
            )
        return counts.sum() / (classes.shape[0] * counts)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self,
        X: npt.ArrayLike,
        y: npt.ArrayLike,
        sample_weight: npt.ArrayLike | None = None,
        *,
        soft_targets: npt.ArrayLike | None = None,
        imitation: float = 0.5,
        temperature: float = 1.0,
    ) -> Self:
        """Fit the model to hard labels or soft targets.

        Parameters
        ----------
        X : {array-like} of shape (n_samples, n_features)
            Training inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Hard labels, probabilities of class 1, or a probability matrix (see the
            class docstring for how they are told apart).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample.
        soft_targets : array-like of shape (n_samples,) or (n_samples, n_classes), default=None
            A teacher's soft labels ``σ(z / T)`` for Hinton's objective (probabilities
            of class 1, or probability rows in ``classes_`` order). When given, the
            loss per row is ``(1 - imitation) CE(y, σ(f)) + imitation T² CE(s,
            σ(f / T))`` for the model's logits ``f`` (``y`` as read above), with the
            same penalty and scaling; ``class_weight`` must then be None. At T = 1
            it is the fit to ``(1 - imitation) y + imitation s``.
        imitation : float, default=0.5
            λ in [0, 1]; used only with ``soft_targets``.
        temperature : float, default=1.0
            T > 0; used only with ``soft_targets``.

        Returns
        -------
        self : SoftLabelLogisticRegression
            The fitted estimator.
        """
        r = self._l1_share()
        X = validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=1)
        n, d = X.shape
        classes, P, is_soft = encode_targets(y, n)
        sw = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        Q = None
        if soft_targets is not None:
            Q, imitation, temperature = self._hinton_parts(
                soft_targets, classes, n, imitation, temperature
            )
        cw = self._class_weights(classes, P, sw, is_soft)
        if cw is not None:
            P = P * cw  # per-row, per-class weight before the sample weight
        Wt = P * sw[:, None]
        rsum = Wt.sum(axis=1)
        S = float(rsum.sum())
        if not S > 0:
            raise ValueError("sample_weight (times class_weight) must not sum to zero.")

        Xf = np.asarray(X, dtype=np.float64)
        pen = 0.0 if self.penalty is None else 1.0 / (float(self.C) * S)
        alpha, beta = (1.0 - r) * pen, r * pen
        K = classes.shape[0]
        fi = bool(self.fit_intercept)
        if Q is not None:
            # Hinton: hard part weighted by 1 - λ, soft part (at T) by λ T²; S = sum(sw).
            hard_w = (1.0 - imitation) * Wt
            soft_w = (imitation * temperature**2) * (Q * sw[:, None])
            parts = (hard_w, hard_w.sum(axis=1), soft_w, soft_w.sum(axis=1))
            if K == 2:
                fun = _binary_hinton_loss_grad
                args = (Xf, parts[0][:, 1], parts[1], parts[2][:, 1], parts[3], temperature)
                n_rows = 1
            else:
                fun = _multinomial_hinton_loss_grad
                args = (Xf, *parts, temperature)
                n_rows = K
            args = (*args, S, alpha, fi)
        elif K == 2:
            fun = _binary_loss_grad
            args = (Xf, Wt[:, 1], rsum, S, alpha, fi)
            n_rows = 1
        else:
            fun = _multinomial_loss_grad
            args = (Xf, Wt, rsum, S, alpha, fi)
            n_rows = K
        params, n_iter = _minimize(fun, args, n_rows, d, fi, beta, self.tol, self.max_iter)
        params = params.reshape(n_rows, d + int(fi))
        self.classes_ = classes
        self.coef_ = params[:, :d].copy()
        self.intercept_ = params[:, d].copy() if fi else np.zeros(n_rows)
        self.n_iter_ = np.array([n_iter], dtype=np.int32)
        return self

    def _hinton_parts(
        self, soft_targets: Any, classes: np.ndarray, n: int, imitation: float, temperature: float
    ) -> tuple[np.ndarray, float, float]:
        """Validate Hinton's soft targets and weights: (Q, imitation, temperature)."""
        if self.class_weight is not None:
            raise ValueError(
                "class_weight must be None with soft_targets (Hinton's objective); got "
                f"{self.class_weight!r}."
            )
        imitation = check_imitation(imitation)
        temperature = check_temperature(temperature)
        Q = check_probabilities(soft_targets, n, name="soft_targets")
        K = classes.shape[0]
        if Q.ndim == 1:
            Q = np.column_stack([1.0 - Q, Q])
        if Q.shape[1] != K:
            raise ValueError(
                f"soft_targets must have {K} columns (one per class of y) or, for two "
                f"classes, be 1-D; got shape {Q.shape}."
            )
        return Q, imitation, temperature

    def predict_proba(self, X: npt.ArrayLike) -> np.ndarray:
        """Probability of each class.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        z = self.decision_function(X)
        if z.ndim == 1:
            p1 = expit(z)
            return np.column_stack([1.0 - p1, p1])
        return softmax(z, axis=1)

    def predict_log_proba(self, X: npt.ArrayLike) -> np.ndarray:
        """Log of :meth:`predict_proba`, computed stably."""
        check_is_fitted(self)
        z = self.decision_function(X)
        if z.ndim == 1:
            return np.column_stack([-np.logaddexp(0.0, z), -np.logaddexp(0.0, -z)])
        return log_softmax(z, axis=1)


def _minimize(
    fun: Callable[..., tuple[float, np.ndarray]],
    args: tuple[Any, ...],
    n_rows: int,
    d: int,
    fit_intercept: bool,
    beta: float,
    tol: float,
    max_iter: int,
) -> tuple[np.ndarray, int]:
    """L-BFGS-B on the smooth objective, or on the split (u - v) form when beta > 0.

    Uses LogisticRegression's lbfgs options (gtol=tol, maxiter=max_iter, maxls=50,
    ftol=64 eps) so that ``tol`` and ``max_iter`` mean the same.
    """
    p = d + int(fit_intercept)
    m = n_rows * p
    options = {"maxiter": max_iter, "maxls": 50, "gtol": tol, "ftol": 64 * np.finfo(float).eps}
    if beta == 0.0:
        res = minimize(fun, np.zeros(m), args=args, method="L-BFGS-B", jac=True, options=options)
        x = res.x
    else:
        # Penalised coefficients are w = u - v with u, v >= 0; intercepts stay free.
        pen_mask = np.zeros((n_rows, p), dtype=bool)
        pen_mask[:, :d] = True
        pen_mask = pen_mask.ravel()
        k = int(pen_mask.sum())

        def split_fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
            x = np.empty(m)
            x[pen_mask] = theta[:k] - theta[k : 2 * k]
            x[~pen_mask] = theta[2 * k :]
            f, g = fun(x, *args)
            gw = g[pen_mask]
            f += beta * theta[: 2 * k].sum()
            return f, np.concatenate([gw + beta, beta - gw, g[~pen_mask]])

        bounds = [(0.0, None)] * (2 * k) + [(None, None)] * (m - k)
        res = minimize(
            split_fun,
            np.zeros(k + m),
            method="L-BFGS-B",
            jac=True,
            bounds=bounds,
            options=options,
        )
        theta = res.x
        x = np.empty(m)
        x[pen_mask] = theta[:k] - theta[k : 2 * k]
        x[~pen_mask] = theta[2 * k :]
    if res.status == 1 or (not res.success and res.nit >= max_iter):
        warnings.warn(
            f"SoftLabelLogisticRegression did not converge in max_iter={max_iter} "
            "iterations; increase max_iter or scale the data.",
            ConvergenceWarning,
            stacklevel=3,
        )
    return x, int(res.nit)
