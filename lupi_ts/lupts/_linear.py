"""LuPTS: learning using privileged time series (Karlsson et al., AISTATS 2022).

The privileged inputs are a trajectory ``x_1, ..., x_s`` observed between the
deployable input ``x_0 = X`` and the outcome ``y``. LuPTS fits one regression per
transition ``x_{j-1} -> x_j`` and a last-step model ``x_s -> y`` on the observed
steps, then composes them into a predictor on ``X`` alone. Every piece is linear,
so the composition is one linear model: ``coef_`` and ``intercept_`` are the
product of the transition matrices and the last step's coefficients.

For linear-Gaussian (Markov) systems the composed estimator is never worse and
often much better than OLS of ``y`` on ``X`` at small ``n``: each transition is a
regression with ``n`` rows and a low-noise target, instead of one regression
through the whole horizon's noise. It can lose when the Markov assumption fails
(information in ``x_0`` that skips the trajectory), which is why
:class:`lupi_ts.PrivilegedModelSelector` validates it against the plain model.

Closed form and batched: the Gram and cross products of all transitions come from
a few BLAS calls on views of the trajectory, and all transitions are solved by one
batched inverse of their normal equations. Rank deficiency that every step shares
(one-hot columns that each sum to one) is removed along its common null space,
which gives :class:`sklearn.linear_model.LinearRegression`'s minimum-norm solution;
a step that is still ill-conditioned is solved on its own (pseudo-inverse from its
eigendecomposition when its rank is clean, else the SVD solve that LinearRegression
uses). ``benchmarks/bench_lupts.py`` times a fit against LinearRegression's.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import scipy.linalg
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    _fit_context,
    is_classifier,
)
from sklearn.linear_model import Lasso, LogisticRegression
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.extmath import softmax
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._trajectory import check_trajectory

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["LuPTSClassifier", "LuPTSRegressor"]

# A step whose Gram matrix has a condition number above this is solved by SVD
# (lstsq) instead of the normal equations: those lose about cond * eps of relative
# accuracy, so this keeps them within ~1e-9 of the SVD solution.
_MAX_COND_NORMAL = 1e7
# Relative singular-value cut-off of the SVD fallback: LinearRegression's default
# ``tol``, so rank-deficient steps give exactly its minimum-norm solution.
_LSTSQ_COND = 1e-6


def _common_null_space(G: np.ndarray, tr: np.ndarray) -> np.ndarray | None:
    """Orthonormal basis (p, r) of the directions that every Gram matrix in ``G`` annihilates.

    ``tr`` holds the traces of ``G``. One eigendecomposition of the trace-normalised
    sum (positive semi-definite matrices: a direction is null in the sum iff it is
    null in every term). Returns None when there is no such direction or no clean gap
    between numerically zero and the other eigenvalues; steps that are singular
    anyway are then caught by the condition check of :func:`_solve_normal`.
    """
    if not (tr > 0).all():
        return None
    S = np.einsum("kij,k->ij", G, 1.0 / tr)
    # A cheap screen first: a singular sum shows a tiny Cholesky pivot (the last pivot is
    # at most lambda_min / v_p^2 for the null vector v). A missed one only costs speed:
    # the condition check of _solve_normal still catches the singular steps.
    try:
        pivots = np.diagonal(np.linalg.cholesky(S)) ** 2
        if pivots.min() > _LSTSQ_COND * S.diagonal().max():
            return None
    except np.linalg.LinAlgError:
        pass
    lam, V = np.linalg.eigh(S)
    top = lam[-1]
    null = lam <= top * _LSTSQ_COND**2
    if not null.any() or not (lam[~null] > top * 1e-2 / _MAX_COND_NORMAL).all():
        return None
    return V[:, null]


def _pinv_solve(
    G: np.ndarray, R: np.ndarray, design: Callable[[], tuple[np.ndarray, np.ndarray]], ridge: bool
) -> np.ndarray:
    """One system ``G W = R`` that the batched inverse could not take (or a single one).

    Its eigendecomposition solves it and measures its condition at once. A step with
    a clean gap between numerically zero and well-conditioned eigenvalues (exact rank
    deficiency: a column constant in a small sample, one-hot columns with an
    intercept) gets the pseudo-inverse solution, i.e. the minimum-norm least-squares
    solution, as accurate as SVD; a well-conditioned step its exact solution. Others
    go to SVD least squares (on the design itself, with LinearRegression's cut-off).
    """
    lam, V = np.linalg.eigh(G)
    top = lam[-1]
    is_null = lam <= top * _LSTSQ_COND**2
    if top > 0 and ((lam > top / _MAX_COND_NORMAL) | is_null).all():
        if is_null.any():
            V, lam = V[:, ~is_null], lam[~is_null]
        return np.asarray(V @ ((V.T @ R) / lam[:, None]))
    if ridge:
        return np.asarray(scipy.linalg.lstsq(G, R, cond=None, check_finite=False)[0])
    Z, T = design()
    return np.asarray(scipy.linalg.lstsq(Z, T, cond=_LSTSQ_COND, check_finite=False)[0])


def _cholesky_solve(G: np.ndarray, R: np.ndarray) -> np.ndarray | None:
    """``G^{-1} R`` for one well-conditioned positive definite ``G``, else None.

    LAPACK's Cholesky factorisation, its 1-norm condition estimate and solve: a few
    microseconds, where an eigendecomposition costs several times more. None when
    ``G`` is not numerically positive definite or its estimated condition number
    exceeds ``_MAX_COND_NORMAL`` (the caller then takes :func:`_pinv_solve`).
    """
    lapack = scipy.linalg.lapack
    factor, info = lapack.dpotrf(G, lower=False, clean=False)
    if info != 0:
        return None
    rcond, info = lapack.dpocon(factor, float(np.abs(G).sum(axis=0).max()))
    if info != 0 or not rcond * _MAX_COND_NORMAL > 1.0:
        return None
    W, info = lapack.dpotrs(factor, R)
    return np.asarray(W) if info == 0 else None


def _solve_normal(
    G: np.ndarray,
    R: np.ndarray,
    design: Callable[[int], tuple[np.ndarray, np.ndarray]],
    *,
    alpha: float,
) -> np.ndarray:
    """Solutions ``W`` (k, p, q) of the stacked normal equations ``G_j W_j = R_j``.

    ``G_j = Z_j' Z_j`` (+ ``alpha I`` added here for ridge), ``R_j = Z_j' T_j``;
    ``design(j)`` returns ``(Z_j, T_j)`` for the SVD fallback. Every step takes one
    batched inverse. Exactly rank-deficient steps (one-hot blocks that each sum to
    one, in every step alike) are first regularised along their common null space
    ``N``: ``(G + c N N')^{-1} R`` is the minimum-norm solution ``pinv(G) R`` when
    ``N'R = 0`` (``R`` lies in the range of ``G``), which is what
    :class:`~sklearn.linear_model.LinearRegression` returns, at the cost of one small
    eigendecomposition instead of one per step. A step that is still
    ill-conditioned (condition number above ``_MAX_COND_NORMAL``) is solved on its
    own by :func:`_pinv_solve`. A single system (k = 1) tries a Cholesky solve with
    LAPACK's condition estimate first (:func:`_cholesky_solve`).
    """
    k, p, _ = G.shape
    if alpha > 0:
        G = G + alpha * np.eye(p)
    if k == 1:
        W1 = _cholesky_solve(G[0], R[0])
        if W1 is None:
            W1 = _pinv_solve(G[0], R[0], lambda: design(0), alpha > 0)
        return W1[None]
    A = G
    if alpha == 0:
        tr = np.einsum("kii->k", G)
        null = _common_null_space(G, tr)
        if null is not None:
            A = G + (tr / p)[:, None, None] * (null @ null.T)
    A_inv: Any
    try:
        A_inv = np.linalg.inv(A)
        # 1-norm condition numbers of all steps (A and its inverse stacked: three calls)
        norms = np.abs(np.stack([A, A_inv])).sum(axis=2).max(axis=2)
        cond = norms[0] * norms[1]
    except np.linalg.LinAlgError:  # an exactly singular step somewhere in the stack
        A_inv, cond = None, np.full(k, np.inf)
    ok = np.isfinite(cond) & (cond < _MAX_COND_NORMAL)
    if ok.all():
        return np.asarray(A_inv @ R)
    W = np.empty((k, p, R.shape[2]))
    if ok.any():
        W[ok] = A_inv[ok] @ R[ok]
    for j in np.flatnonzero(~ok):
        W[j] = _pinv_solve(G[j], R[j], functools.partial(design, int(j)), alpha > 0)
    return W


def _gram(Z: np.ndarray, T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``Z_j' Z_j`` and ``Z_j' T_j`` of stacked (k, n, p) and (k, n, q) arrays (views are fine)."""
    Zt = Z.transpose(0, 2, 1)
    return Zt @ Z, Zt @ T  # numpy runs the first as a symmetric rank-k update


def _step_products(traj: np.ndarray, G: np.ndarray, R: np.ndarray) -> None:
    """Gram ``x_j' x_j`` and cross products ``x_j' x_{j+1}`` of consecutive steps.

    ``traj`` is (n, s, d); fills ``G`` and ``R``, (s - 1, d, d) each (j = 0 .. s - 2). When each
    row of the trajectory is contiguous (the layout of a (n, s, d) array or of
    ``make_privileged_windows``), the pairs of steps (0, 1), (2, 3), ... are a plain
    reshape of it, and one symmetric product of each pair gives two Gram matrices
    and one cross product; the remaining cross products (1, 2), (3, 4), ... come
    from a second reshape. That is as few flops as separate Gram and cross products
    in half as many BLAS calls, without copying the trajectory (15-20 % faster than
    ``_gram`` at the five-cities shape of benchmarks/bench_lupts.py).
    """
    n, s, d = traj.shape
    if s < 2:
        return
    if traj.strides[2] != traj.itemsize or traj.strides[1] != d * traj.itemsize:
        by_step = traj.transpose(1, 0, 2)
        G[:], R[:] = _gram(by_step[:-1], by_step[1:])
        return
    flat = traj.reshape(n, s * d)  # a view: each row is contiguous (checked above)
    m, m_odd = s // 2, (s - 1) // 2
    even = flat[:, : 2 * d * m].reshape(n, m, 2 * d).transpose(1, 0, 2)
    S = even.transpose(0, 2, 1) @ even  # (m, 2d, 2d): numpy runs it as syrk
    odd = flat[:, d : d + 2 * d * m_odd].reshape(n, m_odd, 2 * d).transpose(1, 0, 2)
    G[0::2], G[1::2] = S[:, :d, :d], S[:m_odd, d:, d:]
    R[0::2] = S[:, :d, d:]
    np.matmul(odd[:, :, :d].transpose(0, 2, 1), odd[:, :, d:], out=R[1::2])


def _least_squares(
    Z: np.ndarray,
    T: np.ndarray,
    *,
    fit_intercept: bool,
    regularization: str | None,
    alpha: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients ``W`` (s, p, q) and intercepts ``b`` (s, q) of ``T_j ~ Z_j W_j + b_j``.

    ``Z`` (s, n, p) and ``T`` (s, n, q) stack ``s`` independent regressions, solved
    together: one batched Gram product and inverse instead of ``s`` calls (the
    transitions of a long trajectory cost little more than one regression).
    ``regularization`` None is ordinary least squares, "ridge" adds
    ``alpha * ||W||^2`` (as :class:`~sklearn.linear_model.Ridge`), "lasso" uses
    :class:`~sklearn.linear_model.Lasso` (coordinate descent; not closed form).
    """
    s, _, p = Z.shape
    q = T.shape[2]
    if regularization == "lasso":
        W, b = np.empty((s, p, q)), np.empty((s, q))
        for j in range(s):
            model = Lasso(alpha=alpha, fit_intercept=fit_intercept).fit(Z[j], T[j])
            W[j] = np.asarray(model.coef_, dtype=np.float64).reshape(q, p).T
            b[j] = model.intercept_
        return W, b
    ridge = alpha if regularization == "ridge" else 0.0
    if s == 1:  # one regression (the last step, a stationary model): 2-D, no batching
        Z2, T2 = Z[0], T[0]
        if fit_intercept:
            zm, tm = Z2.mean(axis=0), T2.mean(axis=0)
            Z2, T2 = Z2 - zm, T2 - tm
        W1 = _solve_normal((Z2.T @ Z2)[None], (Z2.T @ T2)[None], lambda j: (Z2, T2), alpha=ridge)
        b1 = tm - zm @ W1[0] if fit_intercept else np.zeros(q)
        return W1, b1[None]
    if fit_intercept:
        z_mean, t_mean = Z.mean(axis=1, keepdims=True), T.mean(axis=1, keepdims=True)
        Z, T = Z - z_mean, T - t_mean
    G, R = _gram(Z, T)
    W = _solve_normal(G, R, lambda j: (Z[j], T[j]), alpha=ridge)
    if fit_intercept:
        b = (t_mean - z_mean @ W)[:, 0, :]
    else:
        b = np.zeros((s, q))
    return W, b


def _as_2d(y: np.ndarray) -> np.ndarray:
    return y[:, None] if y.ndim == 1 else y


_COMMON_CONSTRAINTS = {
    "n_steps": [Interval(Integral, 1, None, closed="left"), None],
    "stationary": ["boolean"],
    "carry_inputs": ["boolean"],
    "regularization": [StrOptions({"ridge", "lasso"}), None],
    "alpha": [Interval(Real, 0, None, closed="left")],
    "transition_intercept": ["boolean"],
    "fit_intercept": ["boolean"],
}


_CARRY_INPUTS_DEPRECATION = (
    "LuPTSRegressor(carry_inputs=True) is deprecated and will be removed in a future "
    "release: with X in every transition and in the last step, the least-squares "
    "transitions compose to the projection of the last privileged step on X, so the "
    "regressor is ordinary least squares on X (exactly so when transition_intercept equals "
    "fit_intercept); the privileged data are not used. For that model use LinearRegression "
    "(or threshold its forecast). For an outcome that depends on x_t, such as the direction "
    "1[x_t <= x_{t+k}], fit LuPTSRegressor to the value x_{t+k} and compare its "
    "prediction with x_t (windows.y_value and windows.target_last); see the Notes of "
    "LuPTSClassifier."
)


class _LuPTSBase(BaseEstimator):
    """Shared fitting of the transitions and their composition."""

    # Parameters that the subclasses' ``__init__`` store (declared for the type checker).
    n_steps: int | None
    stationary: bool
    carry_inputs: bool
    regularization: str | None
    alpha: float
    transition_intercept: bool

    def _check_trajectory(self, X: np.ndarray, X_priv: npt.ArrayLike | None) -> np.ndarray | None:
        # Only the regressor collapses to OLS; the classifier's logistic last step is
        # fitted on the observed (privileged) x_s, which the plug-in does not undo.
        if self.carry_inputs and not is_classifier(self):
            warnings.warn(_CARRY_INPUTS_DEPRECATION, FutureWarning, stacklevel=4)
        if X_priv is None:
            return None
        # The default chain checks finiteness on its Gram matrices (_chain_transitions).
        deferred = not (self.stationary or self.carry_inputs or self.regularization == "lasso")
        traj = check_trajectory(X_priv, X.shape[0], self.n_steps, ensure_finite=not deferred)
        if self.stationary and traj.shape[2] != X.shape[1]:
            raise ValueError(
                "stationary=True shares one transition matrix across all steps, x_0 = X "
                f"included, so X must have as many features as each privileged step; got "
                f"X with {X.shape[1]} and X_priv steps with {traj.shape[2]} features. Use "
                "stationary=False, or pass the step of X that matches the trajectory."
            )
        return traj

    def _chain_transitions(
        self, X: np.ndarray, traj: np.ndarray
    ) -> list[tuple[None, np.ndarray, np.ndarray]]:
        """The paper's non-stationary chain ``X -> x_1 -> ... -> x_s``, least squares or ridge.

        All transitions share batched Gram products (on views of the trajectory: no
        copy) and one batched solve; this is what makes a fit cost little more than
        one regression.
        """
        s, d = traj.shape[1], traj.shape[2]
        p = X.shape[1]
        if self.transition_intercept:
            x_mean, t_mean = X.mean(axis=0), traj.mean(axis=0)
            X, traj = X - x_mean, traj - t_mean
        by_step = traj.transpose(1, 0, 2)  # (s, n, d) view: step j-1 is x_j
        # Step 0 (X -> x_1) joins the stack of the others when X has the steps' width.
        G = np.empty((s, d, d) if p == d else (s, p, p))
        R = np.empty((s, d, d) if p == d else (s, p, d))
        Gr, Rr = (G[1:], R[1:]) if p == d else (np.empty((s - 1, d, d)), np.empty((s - 1, d, d)))
        with np.errstate(over="ignore", invalid="ignore"):  # checked just below
            np.matmul(X.T, X, out=G[0])
            np.matmul(X.T, by_step[0], out=R[0])
            _step_products(traj, Gr, Rr)
        # NaN and inf in X_priv propagate into these sums (one scalar check instead of a
        # pass over the trajectory); so does an overflow of the products.
        total = G.sum() + R.sum() if p == d else G[0].sum() + R[0].sum() + Gr.sum() + Rr.sum()
        if not np.isfinite(total):
            check_trajectory(traj, X.shape[0])  # raises on NaN / inf in X_priv
            raise ValueError(
                "X_priv is too large in magnitude: its Gram matrices overflow float64; "
                "rescale the trajectory (e.g. StandardScaler per feature) first."
            )
        alpha = self.alpha if self.regularization == "ridge" else 0.0

        def design(j: int) -> tuple[np.ndarray, np.ndarray]:
            return (X, by_step[0]) if j == 0 else (by_step[j - 1], by_step[j])

        if p == d:
            Ws = list(_solve_normal(G, R, design, alpha=alpha))
        else:
            Ws = list(_solve_normal(G[:1], R[:1], design, alpha=alpha))
            if s > 1:
                Ws += list(_solve_normal(Gr, Rr, lambda j: design(j + 1), alpha=alpha))
        if self.transition_intercept:
            z_means = [x_mean, *t_mean[:-1]]
            bs = [t_mean[j] - z_means[j] @ Ws[j] for j in range(s)]
        else:
            bs = [np.zeros(d)] * s
        return [(None, Wj, bj) for Wj, bj in zip(Ws, bs)]

    def _fit_transitions(self, X: np.ndarray, traj: np.ndarray | None) -> np.ndarray:
        """Fit the transitions; set the composed maps ``X -> x_j`` (affine in X)."""
        p = X.shape[1]
        kw: dict[str, Any] = {
            "fit_intercept": self.transition_intercept,
            "regularization": self.regularization,
            "alpha": self.alpha,
        }
        self.n_steps_ = 0 if traj is None else traj.shape[1]
        self.n_priv_features_in_ = None if traj is None else traj.shape[2]
        self.transitions_ = []
        if traj is None:
            return X
        s, d = traj.shape[1], traj.shape[2]
        by_step = traj.transpose(1, 0, 2)  # (s, n, d): step j-1 is x_j
        if self.carry_inputs:
            # Designs [X, x_{j-1}] for j >= 2; the first transition's design is X alone.
            later = np.concatenate([np.broadcast_to(X, (s - 1, *X.shape)), by_step[:-1]], axis=2)
        if self.stationary:
            if self.carry_inputs:
                design = np.vstack([np.hstack([X, X]), *later])
            else:
                design = np.vstack([X, *by_step[:-1]])
            W, b = _least_squares(design[None], traj.transpose(1, 0, 2).reshape(1, -1, d), **kw)
            W, b = W[0], b[0]
            shared = (W[:p], W[p:], b) if self.carry_inputs else (None, W, b)
            self.transitions_ = [shared] * s
        elif self.carry_inputs:
            W1, b1 = _least_squares(X[None], by_step[:1], **kw)
            self.transitions_ = [(W1[0], np.zeros((p, d)), b1[0])]
            if s > 1:
                W, b = _least_squares(later, by_step[1:], **kw)
                self.transitions_ += [(Wj[:p], Wj[p:], bj) for Wj, bj in zip(W, b)]
        elif self.regularization == "lasso":
            W1, b1 = _least_squares(X[None], by_step[:1], **kw)
            self.transitions_ = [(None, W1[0], b1[0])]
            if s > 1:
                W, b = _least_squares(by_step[:-1], by_step[1:], **kw)
                self.transitions_ += [(None, Wj, bj) for Wj, bj in zip(W, b)]
        else:
            self.transitions_ = self._chain_transitions(X, traj)
        # Compose: x_j ~ X M_j + m_j with M_0 = I, m_0 = 0.
        return traj[:, -1]

    def _last_design(self, X: np.ndarray, last: np.ndarray) -> np.ndarray:
        if self.carry_inputs and self.n_steps_:
            return np.hstack([X, last])
        return last

    def _maps(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """The composed affine maps ``x_j ~ X M_j + m_j``, j = 1..s (``M_0 = I``, ``m_0 = 0``)."""
        M, m = np.eye(self.n_features_in_), np.zeros(self.n_features_in_)
        maps = []
        for A, B, b in self.transitions_:
            M, m = M @ B + (0.0 if A is None else A), m @ B + b
            maps.append((M, m))
        return maps

    def _compose(self, beta: np.ndarray, c: Any) -> tuple[np.ndarray, Any]:
        """coef (p, K) and intercept (K,) of the composed predictor.

        Evaluated from the right, ``B_1 (B_2 (... (B_s beta)))``: matrix-vector
        products instead of the prefix products ``M_j``, which only
        :meth:`predict_trajectory` needs.
        """
        if not self.transitions_:
            return beta, c
        p = self.n_features_in_
        direct, v = (beta[:p], beta[p:]) if self.carry_inputs else (0.0, beta)
        offset = 0.0
        for A, B, b in reversed(self.transitions_):
            if self.transition_intercept:
                offset = offset + b @ v
            if A is not None:
                direct = direct + A @ v
            v = B @ v
        return direct + v, offset + c

    def predict_trajectory(self, X: npt.ArrayLike) -> np.ndarray:
        """The privileged steps that the fitted transitions predict from X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_steps_, n_priv_features_in_)
            Empty along axis 1 when the model was fitted without ``X_priv``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        if not self.transitions_:
            return np.empty((X.shape[0], 0, 0))
        return np.stack([X @ M + m for M, m in self._maps()], axis=1)


class LuPTSRegressor(RegressorMixin, _LuPTSBase):
    """LuPTS regressor: learn the privileged dynamics, predict from the first step.

    Fits a linear map for each transition of the privileged trajectory
    ``x_0 = X -> x_1 -> ... -> x_s`` and a last-step regression ``x_s -> y``,
    all on the observed training steps, and composes them into one linear
    predictor ``y ~ X coef_ + intercept_`` (Karlsson et al., AISTATS 2022). With no
    ``X_priv`` it is ordinary least squares on ``X``.

    Parameters
    ----------
    n_steps : int, default=None
        Number of privileged steps when ``X_priv`` is passed flattened (2-D,
        step-major). Not needed for a 3-D ``X_priv``.
    stationary : bool, default=False
        Share one transition matrix across all steps (Stat-LuPTS; needs ``X`` to
        have the features of one privileged step). Otherwise each transition has
        its own.
    carry_inputs : bool, default=False
        Give every transition and the last step ``X`` as extra inputs.

        .. deprecated:: 0.1.0
            ``carry_inputs=True`` makes the composed predictor ordinary least
            squares on ``X`` (the residuals of each step are orthogonal to ``X``; exact
            when ``transition_intercept == fit_intercept``, or on centred data): the
            trajectory is not used. It warns (FutureWarning) and will be removed. For
            an outcome that depends on ``x_t`` see the Notes of
            :class:`LuPTSClassifier`.
    regularization : {"ridge", "lasso"} or None, default=None
        Penalty of every step (transitions and last step), with strength ``alpha``.
        None: ordinary least squares.
    alpha : float, default=1.0
        Penalty strength; ignored when ``regularization`` is None. Choose it by
        time-ordered cross-validation: ``X_priv`` has one row per sample, so
        :class:`~sklearn.model_selection.GridSearchCV` slices it with the folds
        (``search.fit(X, y, X_priv=X_priv)``; see the Examples).
    transition_intercept : bool, default=False
        Fit an intercept in each transition (the paper: no).
    fit_intercept : bool, default=True
        Fit an intercept in the last step (the paper: yes).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features_in_,) or (n_targets, n_features_in_)
        The composed linear predictor on ``X``.
    intercept_ : float or ndarray of shape (n_targets,)
    transitions_ : list of tuple
        ``(A, B, b)`` per transition: ``x_j ~ X A + x_{j-1} B + b`` (``A`` is
        None unless ``carry_inputs``). A stationary model repeats one tuple.
    final_coef_ : ndarray of shape (n_last, n_targets)
        Coefficients of the last step (on ``[X, x_s]`` with ``carry_inputs``).
    final_intercept_ : ndarray of shape (n_targets,)
    n_steps_ : int
        Number of privileged steps seen in fit (0 without ``X_priv``).
    n_priv_features_in_ : int or None
        Features per privileged step.
    n_features_in_ : int

    See Also
    --------
    LuPTSClassifier : the same with a logistic last step.
    lupi_ts.make_privileged_windows : ``privileged="all"`` lays out the trajectory.

    References
    ----------
    R. Karlsson, M. Willbo, Z. Hussain, R. G. Krishnan, D. Sontag and F. D.
    Johansson. Using time-series privileged information for provably efficient
    learning of prediction models. AISTATS 2022.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> A, beta = 0.9 * np.eye(3), np.array([1.0, -1.0, 0.5])
    >>> x = [rng.normal(size=(60, 3))]
    >>> for _ in range(4):
    ...     x.append(x[-1] @ A + 0.5 * rng.normal(size=(60, 3)))
    >>> y = x[-1] @ beta + 0.1 * rng.normal(size=60)
    >>> X, X_priv = x[0], np.stack(x[1:], axis=1)      # (60, 3) and (60, 4, 3)
    >>> model = LuPTSRegressor().fit(X, y, X_priv=X_priv)
    >>> model.n_steps_, model.coef_.shape
    (4, (3,))
    >>> bool(np.allclose(model.predict(X), X @ model.coef_ + model.intercept_))
    True

    Ridge transitions, with the penalty chosen on purged, time-ordered folds:

    >>> from sklearn.model_selection import GridSearchCV
    >>> from lupi_ts import BlockedTimeSeriesSplit
    >>> search = GridSearchCV(
    ...     LuPTSRegressor(regularization="ridge"), {"alpha": [0.1, 1.0, 10.0]},
    ...     cv=BlockedTimeSeriesSplit(n_splits=3, gap=0), scoring="neg_mean_squared_error",
    ... ).fit(X, y, X_priv=X_priv)
    >>> sorted(search.best_params_)
    ['alpha']
    """

    _parameter_constraints: dict = dict(_COMMON_CONSTRAINTS)

    def __init__(
        self,
        n_steps: int | None = None,
        *,
        stationary: bool = False,
        carry_inputs: bool = False,
        regularization: str | None = None,
        alpha: float = 1.0,
        transition_intercept: bool = False,
        fit_intercept: bool = True,
    ) -> None:
        self.n_steps = n_steps
        self.stationary = stationary
        self.carry_inputs = carry_inputs
        self.regularization = regularization
        self.alpha = alpha
        self.transition_intercept = transition_intercept
        self.fit_intercept = fit_intercept

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self, X: npt.ArrayLike, y: npt.ArrayLike, *, X_priv: npt.ArrayLike | None = None
    ) -> Self:
        """Fit the transitions and the last step; compose them.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The deployable inputs ``x_0``.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        X_priv : array-like of shape (n_samples, n_steps, n_priv_features) or \
                (n_samples, n_steps * n_priv_features), default=None
            The privileged trajectory ``x_1..x_s`` in time order (2-D: step-major,
            with ``n_steps`` set). None: ordinary least squares on ``X``.

        Returns
        -------
        self : LuPTSRegressor
        """
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True, multi_output=True)
        traj = self._check_trajectory(X, X_priv)
        last = self._fit_transitions(X, traj)
        beta, c = _least_squares(
            self._last_design(X, last)[None],
            _as_2d(y)[None],
            fit_intercept=self.fit_intercept,
            regularization=self.regularization,
            alpha=self.alpha,
        )
        beta, c = beta[0], c[0]
        self.final_coef_, self.final_intercept_ = beta, c
        coef, intercept = self._compose(beta, c)
        if y.ndim == 1:
            self.coef_, self.intercept_ = coef[:, 0], float(intercept[0])
        else:
            self.coef_, self.intercept_ = coef.T, intercept
        return self

    def predict(self, X: npt.ArrayLike) -> np.ndarray:
        """Predict from the deployable inputs only.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_targets)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return X @ self.coef_.T + self.intercept_


class LuPTSClassifier(ClassifierMixin, _LuPTSBase):
    """LuPTS classifier: linear privileged dynamics and a logistic last step.

    As :class:`LuPTSRegressor`, but the last step ``x_s -> y`` is a
    :class:`~sklearn.linear_model.LogisticRegression`; the composed predictor is
    a logistic model on ``X`` (binary or multinomial). It suits labels that are a
    function of the last privileged step's successor (``y`` depends on ``x_t`` only
    through the trajectory); for the direction task see the Notes.

    Parameters
    ----------
    n_steps : int, default=None
        Number of privileged steps of a flattened (2-D) ``X_priv``.
    stationary : bool, default=False
        One shared transition matrix (needs ``X`` to have the features of a step).
    carry_inputs : bool, default=False
        ``X`` as extra input of every transition and of the last step. The
        transitions then compose to the least-squares projection of the last step
        on ``X``, and the model is the logistic last step, fitted on ``[X, x_s]``
        with the *observed* privileged ``x_s``, with that projection plugged in. It
        does not use the chain of dynamics, but its decision weights are learned
        where the privileged step makes the label nearly separable, which is what
        the direction task needs (Notes). (For :class:`LuPTSRegressor` the same
        option is exactly ordinary least squares on ``X`` and is deprecated.)
    regularization : {"ridge", "lasso"} or None, default=None
        Penalty of the transitions, strength ``alpha``.
    alpha : float, default=1.0
        Transition penalty; ignored when ``regularization`` is None.
    transition_intercept : bool, default=False
        Intercept in each transition.
    fit_intercept : bool, default=True
        Intercept of the logistic last step.
    C : float, default=1.0
        Inverse L2 strength of the logistic last step (as in LogisticRegression).
    class_weight : dict, "balanced" or None, default=None
        Of the logistic last step.
    max_iter : int, default=100
        Iterations of the logistic last step (lbfgs).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features_in_) or (n_classes, n_features_in_)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    final_estimator_ : LogisticRegression
        The last step, fitted on the observed ``x_s`` (or ``[X, x_s]``).
    n_iter_ : ndarray of shape (1,)
        Iterations of the logistic last step.
    transitions_, n_steps_, n_priv_features_in_, n_features_in_
        As in :class:`LuPTSRegressor`.

    Notes
    -----
    **The direction task** ``y = 1[x_t <= x_{t+k}]``. The label compares with
    ``x_t``, which the last step (on ``x_{t+k-1}``) cannot see, so this classifier
    composes to the wrong sign there unless ``carry_inputs=True``. The other route
    regresses the *value* and thresholds at ``x_t``: :class:`LuPTSRegressor` fitted
    to ``x_{t+k}`` (``windows.y_value``), direction ``1[x_t <= prediction]``
    (``windows.target_last``). For a univariate series make each privileged step a
    Markov state, the last ``L`` values (delay embedding, the shape of ``X``),
    rather than one value::

        steps = np.concatenate([w.X, w.X_priv_steps[:, :, 0]], axis=1)
        traj = np.lib.stride_tricks.sliding_window_view(steps, L, axis=1)[:, 1:]
        reg = LuPTSRegressor().fit(w.X, w.y_value, X_priv=traj)
        direction = (w.target_last <= reg.predict(w.X)).astype(int)

    Mean test accuracy on Mackey-Glass (``L`` 4, 110 training windows, 50
    placements; ``python benchmarks/lupts_direction.py``): logistic regression /
    ``carry_inputs=True`` / value route (delay-embedded) / ``LinearRegression``'s
    forecast from ``X`` alone, thresholded the same way:

    ============  ========  =======  ===========  =================
    tau, horizon  logistic  carried  value route  plain forecast
    ============  ========  =======  ===========  =================
    17, 4         0.806     0.856    0.940        0.950
    17, 8         0.795     0.862    0.837        0.873
    17, 15        0.903     0.866    0.662        0.899
    30, 8         0.699     0.799    0.846        0.847
    ============  ========  =======  ===========  =================

    Both privileged routes beat the logistic regression except at horizon 15,
    and neither beats a thresholded plain forecast: compare with that (e.g. with
    :class:`lupi_ts.PrivilegedModelSelector`) before relying on either.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x0 = rng.normal(size=(80, 2))
    >>> x1 = x0 @ np.array([[0.9, 0.2], [0.0, 0.8]]) + 0.3 * rng.normal(size=(80, 2))
    >>> y = (x1[:, 0] > 0).astype(int)
    >>> clf = LuPTSClassifier().fit(x0, y, X_priv=x1[:, None, :])
    >>> clf.predict_proba(x0).shape, float(clf.score(x0, y)) > 0.7
    ((80, 2), True)
    """

    _parameter_constraints: dict = {
        **_COMMON_CONSTRAINTS,
        "C": [Interval(Real, 0, None, closed="neither")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        n_steps: int | None = None,
        *,
        stationary: bool = False,
        carry_inputs: bool = False,
        regularization: str | None = None,
        alpha: float = 1.0,
        transition_intercept: bool = False,
        fit_intercept: bool = True,
        C: float = 1.0,
        class_weight: dict[Any, float] | str | None = None,
        max_iter: int = 100,
    ) -> None:
        self.n_steps = n_steps
        self.stationary = stationary
        self.carry_inputs = carry_inputs
        self.regularization = regularization
        self.alpha = alpha
        self.transition_intercept = transition_intercept
        self.fit_intercept = fit_intercept
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self, X: npt.ArrayLike, y: npt.ArrayLike, *, X_priv: npt.ArrayLike | None = None
    ) -> Self:
        """Fit the transitions and the logistic last step; compose them.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The deployable inputs ``x_0``.
        y : array-like of shape (n_samples,)
            Class labels.
        X_priv : array-like of shape (n_samples, n_steps, n_priv_features) or \
                (n_samples, n_steps * n_priv_features), default=None
            The privileged trajectory in time order. None: logistic regression on X.

        Returns
        -------
        self : LuPTSClassifier
        """
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        traj = self._check_trajectory(X, X_priv)
        last = self._fit_transitions(X, traj)
        final = LogisticRegression(
            C=self.C,
            fit_intercept=self.fit_intercept,
            class_weight=self.class_weight,
            max_iter=self.max_iter,
        ).fit(self._last_design(X, last), y)
        self.final_estimator_ = final
        self.n_iter_ = final.n_iter_
        self.classes_ = final.classes_
        coef, intercept = self._compose(final.coef_.T, np.atleast_1d(final.intercept_))
        self.coef_, self.intercept_ = coef.T, np.asarray(intercept, dtype=np.float64)
        return self

    def decision_function(self, X: npt.ArrayLike) -> np.ndarray:
        """Logits of the composed logistic model (from X only).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) for two classes, else (n_samples, n_classes)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        scores = X @ self.coef_.T + self.intercept_
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict_proba(self, X: npt.ArrayLike) -> np.ndarray:
        """Class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            p1 = 1.0 / (1.0 + np.exp(-scores))
            return np.column_stack([1.0 - p1, p1])
        return softmax(scores)

    def predict_log_proba(self, X: npt.ArrayLike) -> np.ndarray:
        """Logarithm of :meth:`predict_proba`."""
        return np.log(self.predict_proba(X))

    def predict(self, X: npt.ArrayLike) -> np.ndarray:
        """Predicted class labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        scores = self.decision_function(X)
        idx = (scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(axis=1)
        return self.classes_[idx]
