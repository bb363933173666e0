"""Batched soft-label logistic regression over a grid of targets and ``C`` values.

Model selection in generalized distillation fits the same student design matrix
``X`` to many target vectors (one per imitation weight λ, temperature T and
privileged-information type) and many regularisation strengths ``C``. Each of
those problems is tiny (n ≈ 100 rows, d ≤ 80 columns), so a loop over
scikit-learn fits is dominated by per-call overhead. :func:`fit_logistic_grid`
solves all of them at once with the same objective as
:class:`~lupi_ts.SoftLabelLogisticRegression`::

    mean_i [ -s_i log p_i - (1 - s_i) log(1 - p_i) ] + penalty(w) / (C * n)

with ``penalty`` = ``0.5 ||w||²`` (l2), ``||w||₁`` (l1),
``l1_ratio ||w||₁ + (1 - l1_ratio) / 2 ||w||²`` (elasticnet) or 0 (none); the
intercept is never penalised. This is scikit-learn's convention
(``C * sum(loss) + penalty`` divided by ``C * n``), so ``C`` means the same as
in :class:`sklearn.linear_model.LogisticRegression`.

Solvers, vectorised over the batch of problems:

* none / l2: damped Newton with a batched backtracking line search. The
  per-problem Hessians ``X' diag(h) X`` come out of one matrix product with the
  precomputed row-wise outer products of ``X``.
* l1 / elasticnet: proximal Newton (the glmnet/newGLMNET scheme): each outer
  step minimises the l1-penalised quadratic model by a batched feature-sign
  search (active-set steps: one batched linear solve on the guessed support and
  signs, then an exact line search of the piecewise quadratic model; cyclic
  coordinate descent only as a fallback), then backtracks on the exact
  objective. Without ``warm_start``, the ``Cs`` are solved as a path, strongest
  regularisation first, each warm-started from the previous solution of the
  same target.

Problems leave the batch as soon as they converge, so a grid costs roughly as
much as its slowest member.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from numbers import Integral, Real
from typing import Any, cast

import numpy as np
import numpy.typing as npt
from scipy.special import expit
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

__all__ = ["LogisticGridResult", "fit_logistic_grid"]

_PENALTIES = ("none", "l2", "l1", "elasticnet")
# Armijo constant of the backtracking line searches (standard choice).
_ARMIJO = 1e-4
# Relative Levenberg damping of the Newton systems: keeps the unpenalised problem
# (and the unpenalised intercept) solvable when the data are separable, and is
# far below the solver tolerance otherwise.
_DAMPING = 1e-10
# Feature-sign steps per proximal Newton step: inexact inner solves are enough
# (the outer line search keeps descent) and bound the cost.
_MAX_STEPS = 100
# Inner l1 problems are solved to this fraction of the outer optimality measure.
_INNER = 0.1


class LogisticGridResult:
    """Coefficients of a grid of soft-label logistic regressions.

    Returned by :func:`fit_logistic_grid`; not meant to be built by hand.

    Attributes
    ----------
    coef : ndarray of shape (n_Cs, n_targets, n_features)
        Weights of the problem fitted with ``Cs[c]`` and target column ``k``.
    intercept : ndarray of shape (n_Cs, n_targets)
        Intercepts (zeros when ``fit_intercept=False``).
    Cs : ndarray of shape (n_Cs,)
        The inverse regularisation strengths, in the order given (a single
        ``inf`` for ``penalty="none"``).
    penalty : str
        The penalty that was fitted.
    n_iter : ndarray of shape (n_Cs, n_targets)
        Newton (outer) iterations used per problem.
    converged : ndarray of bool, shape (n_Cs, n_targets)
        Whether each problem met the tolerance within ``max_iter``.
    """

    def __init__(
        self,
        coef: np.ndarray,
        intercept: np.ndarray,
        Cs: np.ndarray,
        penalty: str,
        n_iter: np.ndarray,
        converged: np.ndarray,
    ) -> None:
        self.coef = coef
        self.intercept = intercept
        self.Cs = Cs
        self.penalty = penalty
        self.n_iter = n_iter
        self.converged = converged

    def decision_function(self, X: npt.ArrayLike) -> np.ndarray:
        """Logits of every problem: array of shape (n_samples, n_Cs, n_targets)."""
        X = _check_X(X, name="X")
        if X.shape[1] != self.coef.shape[2]:
            raise ValueError(
                f"X has {X.shape[1]} features, but the grid was fitted with {self.coef.shape[2]}."
            )
        n_c, n_t, d = self.coef.shape
        Z = X @ self.coef.reshape(n_c * n_t, d).T  # one GEMM for all problems
        return Z.reshape(X.shape[0], n_c, n_t) + self.intercept[None, :, :]

    def predict_proba(self, X: npt.ArrayLike) -> np.ndarray:
        """Probability of class 1 for every problem: shape (n_samples, n_Cs, n_targets)."""
        return expit(self.decision_function(X))

    def __repr__(self) -> str:
        n_c, n_t, n_f = self.coef.shape
        return (
            f"LogisticGridResult(penalty={self.penalty!r}, n_Cs={n_c}, n_targets={n_t}, "
            f"n_features={n_f}, converged={int(self.converged.sum())}/{self.converged.size})"
        )


def _check_X(X: Any, *, name: str) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array (n_samples, n_features); got shape {X.shape}."
        )
    if X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"{name} must have at least one sample and one feature; got {X.shape}.")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name} must not contain NaN or infinity.")
    return X


@validate_params(
    {
        "X": ["array-like"],
        "targets": ["array-like"],
        "penalty": [StrOptions(set(_PENALTIES)), None],
        "Cs": [Interval(Real, 0, None, closed="neither"), "array-like"],
        "l1_ratio": [Interval(Real, 0, 1, closed="both"), None],
        "fit_intercept": ["boolean"],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "warm_start": [LogisticGridResult, None],
    },
    prefer_skip_nested_validation=True,
)
def fit_logistic_grid(
    X: npt.ArrayLike,
    targets: npt.ArrayLike,
    *,
    penalty: str = "l2",
    Cs: npt.ArrayLike = (1.0,),
    l1_ratio: float | None = None,
    fit_intercept: bool = True,
    tol: float = 1e-8,
    max_iter: int = 100,
    warm_start: LogisticGridResult | None = None,
) -> LogisticGridResult:
    """Fit soft-label logistic regressions for every target column and every ``C``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Design matrix shared by all problems.
    targets : array-like of shape (n_samples,) or (n_samples, n_targets)
        Targets in [0, 1]: hard 0/1 labels or soft labels, one column per problem.
    penalty : {"l2", "l1", "elasticnet", "none"} or None, default="l2"
        Penalty on the weights (never on the intercept); None means "none".
    Cs : float or sequence of float, default=(1.0,)
        Inverse regularisation strengths, positive; ignored (one unpenalised fit
        per target, reported as ``Cs=[inf]``) for ``penalty="none"``.
    l1_ratio : float, default=None
        Elastic-net mixing in [0, 1]; required for (and only used by)
        ``penalty="elasticnet"``.
    fit_intercept : bool, default=True
        Whether to fit an unpenalised intercept.
    tol : float, default=1e-8
        Stop a problem when the largest entry of its (minimum-norm sub)gradient
        of the objective above is at most ``tol``.
    max_iter : int, default=100
        Maximum number of Newton (outer) iterations per problem.
    warm_start : LogisticGridResult, default=None
        A previous result with the same shapes to start from (e.g. a path over
        neighbouring targets).

    Returns
    -------
    LogisticGridResult
        ``coef`` of shape (n_Cs, n_targets, n_features), ``intercept``,
        ``n_iter``, ``converged`` and ``decision_function``/``predict_proba``
        that evaluate every problem at once.

    Notes
    -----
    Unpenalised fits on separable data have no finite minimiser: like
    scikit-learn, the solver then stops at ``max_iter`` with growing weights
    (``converged`` is False) while the predicted directions stay meaningful.

    Examples
    --------
    >>> import numpy as np
    >>> from lupi_ts.linear import fit_logistic_grid
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(50, 3))
    >>> y = (X[:, 0] + rng.normal(size=50) > 0).astype(float)
    >>> soft = np.clip(0.8 * y + 0.1, 0, 1)
    >>> grid = fit_logistic_grid(X, np.column_stack([y, soft]), penalty="l2", Cs=[0.1, 1.0])
    >>> grid.coef.shape
    (2, 2, 3)
    >>> bool(grid.converged.all())
    True
    >>> grid.predict_proba(X[:4]).shape
    (4, 2, 2)
    """
    X = _check_X(X, name="X")
    n, d = X.shape
    S = np.asarray(targets, dtype=float)
    if S.ndim == 1:
        S = S[:, None]
    if S.ndim != 2 or S.shape[0] != n:
        raise ValueError(
            f"targets must have shape (n_samples,) or (n_samples, n_targets) with n_samples={n}; "
            f"got {np.shape(targets)}."
        )
    if S.shape[1] < 1:
        raise ValueError("targets must have at least one column.")
    if not np.all(np.isfinite(S)) or S.min() < 0.0 or S.max() > 1.0:
        raise ValueError("targets must be finite values in [0, 1] (labels or probabilities).")
    if penalty is None:  # SoftLabelLogisticRegression's spelling of "none"
        penalty = "none"
    if penalty == "elasticnet":
        if l1_ratio is None:
            raise ValueError(
                "l1_ratio must be a number in [0, 1] for penalty='elasticnet'; got None."
            )
        l1_ratio = float(l1_ratio)
    if penalty == "none":
        Cs = np.array([np.inf])
    else:
        Cs = np.atleast_1d(np.asarray(Cs, dtype=float))
        if Cs.ndim != 1 or Cs.size < 1 or not np.all(np.isfinite(Cs)) or np.any(Cs <= 0):
            raise ValueError(f"Cs must be one or more positive finite numbers; got {Cs!r}.")
    max_iter = int(max_iter)

    n_c, n_t = Cs.size, S.shape[1]
    # Augmented design: the intercept is the last column (never penalised).
    Xa = np.column_stack([X, np.ones(n)]) if fit_intercept else X
    p = Xa.shape[1]
    # Problem b = c * n_t + k; the matrices below are feature-major (p, B) so that
    # one coordinate of all problems is a contiguous row.
    B = n_c * n_t
    T = np.tile(S, (1, n_c))  # (n, B)
    alpha = np.repeat(1.0 / (Cs * n), n_t)  # penalty scale per problem, 0 for "none"
    if penalty == "none":
        alpha[:] = 0.0
    if penalty == "elasticnet":
        l1_share, l2_share = cast(float, l1_ratio), 1.0 - cast(float, l1_ratio)
    else:
        l1_share, l2_share = float(penalty == "l1"), float(penalty == "l2")
    l1, l2 = l1_share * alpha, l2_share * alpha
    pen_mask = np.ones(p)
    if fit_intercept:
        pen_mask[-1] = 0.0

    W = np.zeros((p, B))
    if warm_start is not None:
        if warm_start.coef.shape != (n_c, n_t, d):
            raise ValueError(
                "warm_start must be a LogisticGridResult of the same shape "
                f"({n_c}, {n_t}, {d}); got {warm_start!r}."
            )
        W[:d] = warm_start.coef.reshape(B, d).T
        if fit_intercept:
            W[-1] = warm_start.intercept.reshape(B)

    # Row-wise outer products, flattened: the Hessians of all problems are then
    # one GEMM, XX.T @ h with h of shape (n, B).
    XX = (Xa[:, :, None] * Xa[:, None, :]).reshape(n, p * p)
    if l1.max(initial=0.0) == 0.0:
        n_iter, converged = _newton(Xa, XX, T, W, l1, l2, pen_mask, tol, max_iter)
    elif warm_start is not None or n_c == 1:
        n_iter, converged = _prox_newton(Xa, XX, T, W, l1, l2, pen_mask, tol, max_iter)
    else:
        # l1 path: strongest regularisation first, each C warm-started from the
        # previous one's solution (same target), whose support is nearly right.
        n_iter, converged = np.zeros(B, dtype=int), np.zeros(B, dtype=bool)
        prev = None
        for c in np.argsort(Cs, kind="stable"):
            cols = slice(c * n_t, (c + 1) * n_t)
            if prev is not None:
                W[:, cols] = W[:, prev]
            Wc = W[:, cols]  # a view: the solver updates it in place
            n_iter[cols], converged[cols] = _prox_newton(
                Xa, XX, T[:, cols], Wc, l1[cols], l2[cols], pen_mask, tol, max_iter
            )
            prev = cols

    coef = W[:d].T.reshape(n_c, n_t, d).copy()
    intercept = (W[-1] if fit_intercept else np.zeros(B)).reshape(n_c, n_t).copy()
    return LogisticGridResult(
        coef=coef,
        intercept=intercept,
        Cs=Cs,
        penalty=penalty,
        n_iter=n_iter.reshape(n_c, n_t),
        converged=converged.reshape(n_c, n_t),
    )


def _smooth_parts(
    Xa: np.ndarray,
    T: np.ndarray,
    W: np.ndarray,
    l2: np.ndarray,
    pen_mask: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean soft cross-entropy + ridge part: values (B,), gradients (p, B), curvatures (n, B)."""
    n = Xa.shape[0]
    Z = Xa @ W
    P = expit(Z)
    value = (np.logaddexp(0.0, Z) - T * Z).mean(axis=0)
    value += 0.5 * l2 * np.einsum("jb,j->b", W * W, pen_mask)
    grad = Xa.T @ (P - T) / n + l2 * W * pen_mask[:, None]
    return value, grad, P * (1.0 - P)


def _backtrack(
    W0: np.ndarray,
    D: np.ndarray,
    F: np.ndarray,
    decrease: np.ndarray,
    objective: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> np.ndarray:
    """Batched Armijo backtracking: each problem b halves its step along ``D[:, b]``
    until ``objective <= F + _ARMIJO * t * decrease`` (at most 40 halvings).

    ``objective(Wt, idx)`` gives the objective of problems ``idx`` at columns ``Wt``
    (:func:`_objective_at` with the problems' data bound);
    only the problems still searching are evaluated. Returns the new columns.
    """
    t = np.ones(W0.shape[1])
    todo = np.arange(W0.shape[1])
    W_new = W0 + D
    for _ls in range(40):
        trial = objective(W_new[:, todo], todo)
        ok = trial <= F[todo] + _ARMIJO * t[todo] * decrease[todo]
        todo = todo[~ok]
        if todo.size == 0:
            break
        t[todo] *= 0.5
        W_new[:, todo] = W0[:, todo] + t[todo] * D[:, todo]
    return W_new


def _objective_at(
    Xa: np.ndarray,
    T: np.ndarray,
    l2: np.ndarray,
    l1: np.ndarray | None,
    pen_mask: np.ndarray,
    W: np.ndarray,
    idx: np.ndarray,
) -> np.ndarray:
    """Objective of problems ``idx`` at columns ``W``: smooth part, plus the l1 term
    when ``l1`` is given."""
    value = _smooth_value(Xa, T[:, idx], W, l2[idx], pen_mask)
    if l1 is not None:
        value += np.einsum("jb,j->b", np.abs(W), pen_mask) * l1[idx]
    return value


def _smooth_value(
    Xa: np.ndarray,
    T: np.ndarray,
    W: np.ndarray,
    l2: np.ndarray,
    pen_mask: np.ndarray,
) -> np.ndarray:
    Z = Xa @ W
    value = (np.logaddexp(0.0, Z) - T * Z).mean(axis=0)
    return value + 0.5 * l2 * np.einsum("jb,j->b", W * W, pen_mask)


def _hessians(
    XX: np.ndarray,
    curv: np.ndarray,
    l2: np.ndarray,
    pen_mask: np.ndarray,
    p: int,
    n: int,
) -> np.ndarray:
    """Per-problem Hessians of the smooth part, shape (B, p, p)."""
    H = (XX.T @ curv).T.reshape(-1, p, p) / n
    diag = l2[:, None] * pen_mask[None, :]
    # Damping proportional to the curvature scale keeps the systems solvable.
    diag = diag + _DAMPING * (1.0 + np.trace(H, axis1=1, axis2=2))[:, None]
    idx = np.arange(p)
    H[:, idx, idx] += diag
    return H


def _newton(
    Xa: np.ndarray,
    XX: np.ndarray,
    T: np.ndarray,
    W: np.ndarray,
    l1: Any,
    l2: np.ndarray,
    pen_mask: np.ndarray,
    tol: float,
    max_iter: int,
) -> tuple[np.ndarray, np.ndarray]:
    n, p = Xa.shape
    B = W.shape[1]
    n_iter = np.zeros(B, dtype=int)
    converged = np.zeros(B, dtype=bool)
    active = np.arange(B)
    for _ in range(max_iter):
        Wa, Ta, l2a = W[:, active], T[:, active], l2[active]
        value, grad, curv = _smooth_parts(Xa, Ta, Wa, l2a, pen_mask)
        done = np.abs(grad).max(axis=0) <= tol
        converged[active[done]] = True
        keep = ~done
        if not keep.any():
            break
        active, Wa, Ta, l2a = active[keep], Wa[:, keep], Ta[:, keep], l2a[keep]
        value, grad, curv = value[keep], grad[:, keep], curv[:, keep]
        H = _hessians(XX, curv, l2a, pen_mask, p, n)
        step = -np.linalg.solve(H, grad.T[:, :, None])[:, :, 0].T  # (p, B_active)
        slope = np.einsum("jb,jb->b", grad, step)
        objective = partial(_objective_at, Xa, Ta, l2a, None, pen_mask)
        W[:, active] = _backtrack(Wa, step, value, slope, objective)
        n_iter[active] += 1
    else:
        # Final check of the problems still active after max_iter.
        if active.size:
            _, grad, _ = _smooth_parts(Xa, T[:, active], W[:, active], l2[active], pen_mask)
            converged[active] = np.abs(grad).max(axis=0) <= tol
    return n_iter, converged


def _soft_threshold(z: np.ndarray, a: Any) -> np.ndarray:
    return np.sign(z) * np.maximum(np.abs(z) - a, 0.0)


def _l1_optimality(
    W: np.ndarray,
    grad: np.ndarray,
    l1: np.ndarray,
    pen_mask: np.ndarray,
) -> np.ndarray:
    """Largest entry of the minimum-norm subgradient, per problem."""
    a = l1[None, :] * pen_mask[:, None]
    nz = W != 0.0
    sub = np.where(nz, grad + a * np.sign(W), _soft_threshold(grad, a))
    return np.abs(sub).max(axis=0)


def _pseudo_gradient(W: np.ndarray, grad: np.ndarray, a: Any) -> np.ndarray:
    """Minimum-norm subgradient of smooth + a*|w|_1 (a = 0 on unpenalised rows)."""
    up, down = grad + a, grad - a
    return np.where(
        W > 0, up, np.where(W < 0, down, np.where(up < 0, up, np.where(down > 0, down, 0.0)))
    )


def _cd_sweep(
    H: np.ndarray,
    inv_h: np.ndarray,
    thr: np.ndarray,
    penalised: Any,
    V: np.ndarray,
    G: np.ndarray,
) -> None:
    """One cyclic coordinate-descent sweep on the l1 quadratic model, in place.

    ``V`` is the point ``w + d`` and ``G = g + H d`` the gradient of the smooth
    part of the model there; one coordinate of all problems is updated at a time.
    """
    for j in range(V.shape[0]):
        vj = V[j]
        z = vj - G[j] * inv_h[j]
        if penalised[j]:
            z = z - np.minimum(np.maximum(z, -thr[j]), thr[j])  # soft threshold
        delta = z - vj
        V[j] = z
        G += H[:, j, :] * delta


def _feature_sign_step(
    Hb: np.ndarray,
    H: np.ndarray,
    grad: np.ndarray,
    Wa: np.ndarray,
    V: np.ndarray,
    G: np.ndarray,
    a: Any,
    penalised: Any,
    mode: np.ndarray,
) -> np.ndarray:
    """One batched feature-sign step on the l1 quadratic model, in place.

    The free set is the support of ``V``, the unpenalised coordinates and the
    zero coordinates that violate the optimality conditions (entering with the
    sign that lowers the model). The model restricted to those signs is a
    quadratic whose minimiser ``U`` comes from one batched linear solve; the
    step is an exact line search of the (convex, piecewise quadratic) l1 model on
    the segment ``V -> U``, so the model never increases and a coordinate whose
    sign would change is stopped exactly at zero when that is the minimum. This
    is the feature-sign search of Lee et al. (2007) with all violators entering
    at once (``mode`` 0), none (1) or only the worst one (2). Returns a mask of
    the problems that made no progress.
    """
    p = V.shape[0]
    excess = np.where((V == 0) & penalised, np.abs(G) - a, 0.0)
    enter = excess > 0
    if mode.any():
        # Where all violators at once made no progress (one moved against its
        # sign): first no violator (a descent direction unless the support is
        # already optimal), then only the worst one (Lee et al.: then a descent
        # direction).
        worst = excess >= excess.max(axis=0)
        enter = np.where(mode == 1, False, np.where(mode == 2, enter & worst, enter))
    free = (V != 0) | ~penalised | enter
    signs = np.where(penalised, np.where(enter, -np.sign(G), np.sign(V)), 0.0)
    fixed = np.where(free, 0.0, -Wa)  # steps of the coordinates held at zero
    rhs = -(grad + a * signs) - np.einsum("bij,jb->ib", Hb, fixed)
    # Solve on the free coordinates only, gathered to the front and padded to the
    # batch's largest free set (identity rows): sparse problems solve small systems.
    n_free = free.sum(axis=0)
    k = int(n_free.max())
    order = np.argsort(~free, axis=0, kind="stable")[:k].T  # (B, k) free first
    valid = np.arange(k)[None, :] < n_free[:, None]
    M = Hb[np.arange(Hb.shape[0])[:, None, None], order[:, :, None], order[:, None, :]]
    M *= valid[:, :, None] & valid[:, None, :]
    diag = np.arange(k)
    M[:, diag, diag] += ~valid
    r = np.take_along_axis(rhs.T, order, axis=1) * valid
    step = np.zeros((Hb.shape[0], p))
    if k:
        np.put_along_axis(step, order, np.linalg.solve(M, r[:, :, None])[:, :, 0], axis=1)
    step = step.T
    U = Wa + np.where(free, step, fixed)
    U[~free] = 0.0
    delta = U - V
    Hd = np.einsum("ijb,jb->ib", H, delta)
    q1 = np.einsum("jb,jb->b", G, delta)
    q2 = np.einsum("jb,jb->b", Hd, delta)
    # Slope of the model along the segment just after t = 0.
    sigma0 = np.where(V != 0, np.sign(V), np.sign(delta))
    s0 = q1 + np.einsum("jb,jb->b", a * sigma0, delta)
    # Breakpoints: nonzero coordinates that reach zero inside (0, 1]; crossing
    # one raises the slope by 2 a |delta|.
    with np.errstate(divide="ignore", invalid="ignore"):
        tb = -V / delta
    crossing = (V != 0) & (delta != 0) & (tb > 0) & (tb < 1) & penalised
    tb = np.where(crossing, tb, 1.0)
    t_cross = tb
    jump = np.where(crossing, 2.0 * a * np.abs(delta), 0.0)
    order = np.argsort(tb, axis=0)
    tb = np.take_along_axis(tb, order, axis=0)
    jump = np.take_along_axis(jump, order, axis=0)
    tb = np.vstack([tb, np.ones((1, tb.shape[1]))])  # the segment's end
    jump = np.vstack([jump, np.zeros((1, jump.shape[1]))])
    j_before = np.cumsum(jump, axis=0) - jump
    left = s0 + q2 * tb + j_before  # slope just before each breakpoint
    right = left + jump  # and just after
    # The minimiser is at the first breakpoint whose right slope is >= 0: inside
    # the segment before it when the left slope is already >= 0, else on it.
    k = np.argmax(right >= 0, axis=0)
    k = np.where((right >= 0).any(axis=0), k, tb.shape[0] - 1)
    cols = np.arange(tb.shape[1])
    t_k, left_k = tb[k, cols], left[k, cols]
    t_prev = np.where(k > 0, tb[np.maximum(k - 1, 0), cols], 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_in = np.where(q2 > 0, -(s0 + j_before[k, cols]) / q2, t_k)
    t = np.where(left_k >= 0, np.clip(t_in, t_prev, t_k), t_k)
    t = np.where(s0 < 0, np.clip(t, 0.0, 1.0), 0.0)
    move = t * np.abs(delta).max(axis=0)
    V += t * delta
    G += t * Hd
    # Coordinates that stopped on their breakpoint (ties included) are exactly
    # zero, not rounding noise of either sign that would re-enter next step.
    land = crossing & (np.abs(t_cross - t) <= 1e-12 * np.maximum(t, 1e-300)) & (t > 0)
    V[land] = 0.0
    # A step that moves by rounding noise only (an entering coordinate against
    # its sign leaves t ~ 1e-16) counts as no progress.
    return move <= 1e-12 * (1.0 + np.abs(V).max(axis=0))


def _lasso_quadratic(
    H: np.ndarray,
    Hdiag: np.ndarray,
    grad: np.ndarray,
    Wa: np.ndarray,
    a: Any,
    pen_mask: np.ndarray,
    inner_tol: Any,
) -> np.ndarray:
    """min_d g'd + d'Hd/2 + a|w + d|_1 for a batch of problems.

    Batched feature-sign search (:func:`_feature_sign_step`): one linear solve
    per step for all problems together, converging in a handful of steps once
    the support is right, where cyclic coordinate descent crawls on the
    correlated columns of lagged inputs. When a step stalls for a problem (an
    entering coordinate moved against its sign), the next steps there use the
    support alone, then the worst violator alone, and a coordinate-descent sweep
    if that stalls too, which keeps the method convergent. A problem leaves
    once the minimum-norm subgradient of its model is below ``inner_tol``.
    """
    p, nb = grad.shape
    D = np.zeros((p, nb))
    idx = np.arange(nb)
    penalised = (pen_mask > 0)[:, None]
    pen_list = [bool(m) for m in pen_mask]
    Hs, Ws, As, tols, gs = H, Wa, a, inner_tol, grad
    inv_h = 1.0 / Hdiag
    thr = a * inv_h
    V = Wa.copy()
    G = grad.copy()
    mode = np.zeros(nb, dtype=int)
    for _ in range(_MAX_STEPS):
        finished = np.abs(_pseudo_gradient(V, G, As)).max(axis=0) <= tols
        if finished.any():
            D[:, idx[finished]] = V[:, finished] - Ws[:, finished]
            keep = ~finished
            if not keep.any():
                return D
            idx = idx[keep]
            Hs, Ws, As, tols, gs = Hs[:, :, keep], Ws[:, keep], As[:, keep], tols[keep], gs[:, keep]
            inv_h, thr, V, G = inv_h[:, keep], thr[:, keep], V[:, keep], G[:, keep]
            mode = mode[keep]
        stuck = _feature_sign_step(Hs.transpose(2, 0, 1), Hs, gs, Ws, V, G, As, penalised, mode)
        if (stuck & (mode == 2)).any():
            _cd_sweep(Hs, inv_h, thr, pen_list, V, G)
        # After a stalled step: support only, then the worst violator, then all again.
        mode = np.where(mode > 0, (mode + 1) % 3, stuck.astype(int))
    D[:, idx] = V - Ws
    return D


def _prox_newton(
    Xa: np.ndarray,
    XX: np.ndarray,
    T: np.ndarray,
    W: np.ndarray,
    l1: Any,
    l2: np.ndarray,
    pen_mask: np.ndarray,
    tol: float,
    max_iter: int,
) -> tuple[np.ndarray, np.ndarray]:
    n, p = Xa.shape
    B = W.shape[1]
    n_iter = np.zeros(B, dtype=int)
    converged = np.zeros(B, dtype=bool)
    active = np.arange(B)
    for _ in range(max_iter):
        Wa, Ta, l1a, l2a = W[:, active], T[:, active], l1[active], l2[active]
        value, grad, curv = _smooth_parts(Xa, Ta, Wa, l2a, pen_mask)
        opt = _l1_optimality(Wa, grad, l1a, pen_mask)
        done = opt <= tol
        converged[active[done]] = True
        keep = ~done
        if not keep.any():
            break
        active, Wa, Ta, l1a, l2a = active[keep], Wa[:, keep], Ta[:, keep], l1a[keep], l2a[keep]
        value, grad, curv, opt = value[keep], grad[:, keep], curv[:, keep], opt[keep]
        # Hessians in feature-major layout (p, p, B): column j of all problems is
        # H[:, j, :], contiguous.
        H = np.ascontiguousarray(_hessians(XX, curv, l2a, pen_mask, p, n).transpose(1, 2, 0))
        Hdiag = np.einsum("jjb->jb", H).copy()
        a = l1a[None, :] * pen_mask[:, None]  # (p, B) thresholds
        D = _lasso_quadratic(H, Hdiag, grad, Wa, a, pen_mask, np.maximum(_INNER * opt, 0.1 * tol))
        # Backtracking on the exact composite objective.
        l1_now = np.einsum("jb,j->b", np.abs(Wa), pen_mask) * l1a
        F = value + l1_now
        l1_new = np.einsum("jb,j->b", np.abs(Wa + D), pen_mask) * l1a
        decrease = np.einsum("jb,jb->b", grad, D) + l1_new - l1_now
        objective = partial(_objective_at, Xa, Ta, l2a, l1a, pen_mask)
        W[:, active] = _backtrack(Wa, D, F, np.minimum(decrease, 0.0), objective)
        n_iter[active] += 1
    else:
        if active.size:
            _, grad, _ = _smooth_parts(Xa, T[:, active], W[:, active], l2[active], pen_mask)
            converged[active] = _l1_optimality(W[:, active], grad, l1[active], pen_mask) <= tol
    return n_iter, converged
