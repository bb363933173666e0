"""SVM+ (Vapnik & Vashist, 2009): an SVM whose slacks are modelled in privileged space.

The primal problem for labels ``y_i`` in {-1, +1}, deployable inputs ``x_i`` (kernel ``K``)
and privileged inputs ``x*_i`` (kernel ``K*``) is::

    min  1/2 |w|^2 + gamma_priv/2 |w*|^2 + C sum_i xi(x*_i)
    s.t. y_i (w . phi(x_i) + b) >= 1 - xi(x*_i),   xi(x*_i) >= 0,
    with the *correcting function* xi(x*) = w* . phi*(x*) + b*.

Its dual (Pechyony & Vapnik's form, used by the gSMO of Pechyony, Izmailov, Vashist &
Vapnik, "SMO-style algorithms for learning using privileged information", DMIN 2010) is::

    max  sum_i a_i - 1/2 sum_ij a_i a_j y_i y_j K_ij
         - 1/(2 gamma_priv) sum_ij (a_i + b_i - C)(a_j + b_j - C) K*_ij
    s.t. sum_i (a_i + b_i - C) = 0,  sum_i a_i y_i = 0,  a_i >= 0,  b_i >= 0,

with ``f(x) = sum_i a_i y_i K(x_i, x) + b`` and
``xi(x*) = 1/gamma_priv sum_i (a_i + b_i - C) K*(x*_i, x*) + b*``.

:func:`_solve_svm_plus_dual` solves it exactly (up to the KKT tolerance ``tol``) in two
phases:

1. A primal-dual active-set method (:func:`_primal_dual_active_set`; Hintermueller, Ito &
   Kunisch, SIAM J. Optim. 13, 2003), i.e. a semismooth Newton method: guess which
   variables are zero, solve the equality-constrained problem on the others exactly (a
   Cholesky factor of the free block of the Hessian plus a small Schur complement for the
   two multipliers), re-guess from the signs of the solution and of the reduced
   gradients, and stop when the guess repeats (then the KKT conditions hold). The first
   guess comes from the same problem solved on every fourth sample with ``C`` scaled by 4
   (recursively, :func:`_initial_guess`); the factor is updated rather than recomputed
   when the guess changes little (:class:`_SchurFaceSolver`). On the benchmark's data it
   needs about 8 solves at n = 500 ... 5,000. Should it stall (it is not guaranteed to
   converge for a kernel Hessian), the monotone primal active-set method
   (:func:`_active_set`) continues from a feasible point near its last iterate.
2. A generalized SMO (:func:`_smo`, the gSMO of Pechyony et al.) that removes any KKT
   violation left (normally none) and certifies the result: every step moves a maximally
   violating set of two variables of the same kind (two ``a`` of the same label, or two
   ``b``) or three variables (``a_i`` with ``y_i = +1``, ``a_j`` with ``y_j = -1`` and
   ``b_k`` moved by ``(+t, +t, -2t)`` or its reverse), the smallest sets that keep both
   equality constraints; pair steps choose the second variable with libsvm's second-order
   rule.

Why not SMO alone: unlike the box-constrained SVM dual, the ``a`` of SVM+ have no upper
bound, so a large share of them stays free, coupled through ``K + K*/gamma_priv``;
coordinate steps then converge slowly (measured: 40-600 x n steps), whereas Newton steps
on the free set converge in a handful of solves.

Cost: the solver works on two n x n matrices, the alpha block of the Hessian
``G = y_i y_j K_ij + K*_ij / gamma_priv`` and ``P = K* / gamma_priv`` (:func:`_hessian_blocks`;
a row of ``K`` is recovered as ``y_i y (G_i - P_i)``). For a binary problem they overwrite
the kernel matrices (2 * 8 n^2 bytes: 400 MB at n = 5,000); one-vs-rest keeps the kernels
and builds them per class. Each face solve costs up to O(n_free^3), much less when the free
set changes little. Large buffers avoid avoidable memory traffic: sub-blocks are gathered
in row blocks (:func:`_submatrix`), Cholesky factors are computed and used in place
(:func:`_cholesky_inplace`, Fortran-ordered transposes), the Schur update is a symmetric
rank-k update (``dsyrk``), and matrices of 32 MB and more come from anonymous memory maps
rather than huge pages (:func:`_empty`).
"""

from __future__ import annotations

import mmap
import numbers
import warnings

import numpy as np
import scipy.linalg
from scipy.linalg.blas import dsyrk
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics.pairwise import pairwise_kernels
from sklearn.svm import SVC
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._validation import check_privileged

__all__ = ["SVMPlusClassifier"]

_KERNELS = ("linear", "rbf", "poly", "sigmoid")
# Curvature floor for degenerate (flat) directions, as libsvm's TAU: the step is then
# limited by the bound of the decreasing variable instead of by the curvature.
_TAU = 1e-12


def _check_positive(value, name, *, allow_inf=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a positive number; got {value!r}.")
    value = float(value)
    if not (value > 0.0) or (not allow_inf and not np.isfinite(value)):
        raise ValueError(f"{name} must be a positive finite number; got {value!r}.")
    return value


def _check_kernel(kernel, name):
    if not isinstance(kernel, str) or kernel not in _KERNELS:
        raise ValueError(f"{name} must be one of {_KERNELS}; got {kernel!r}.")
    return kernel


def _resolve_kernel_gamma(gamma, X, name):
    """Kernel width; ``"scale"`` and ``"auto"`` follow :class:`sklearn.svm.SVC`."""
    if isinstance(gamma, str):
        if gamma == "scale":
            var = X.var()
            return 1.0 / (X.shape[1] * var) if var > 0 else 1.0
        if gamma == "auto":
            return 1.0 / X.shape[1]
        raise ValueError(f"{name} must be 'scale', 'auto' or a positive number; got {gamma!r}.")
    return _check_positive(gamma, name)


# From this size on, _empty maps fresh pages itself (see there). Smaller matrices keep
# numpy's huge pages: measured at n = 2,000 (32 MB kernels), those were faster.
_MAPPED_BYTES = 32 * 2**20


def _empty(shape):
    """``np.empty(shape)`` (float64, C order) for the solver's large matrices.

    numpy asks Linux for transparent huge pages on large arrays; where memory is
    fragmented, the first touch of such an array then waits for the kernel to compact
    memory: measured 0.05-0.7 s per 200 MB matrix, more than computing an RBF kernel into
    it. Large buffers therefore come from an anonymous memory map of ordinary pages
    (steady ~0.1 s per 200 MB), freed with the array; numpy's global setting is left
    alone. (tracemalloc does not see these buffers.)"""
    nbytes = 8 * int(np.prod(shape))
    if nbytes < _MAPPED_BYTES:
        return np.empty(shape)
    return np.frombuffer(mmap.mmap(-1, nbytes), dtype=np.float64).reshape(shape)


def _kernel(X, Y, kernel, gamma, degree, coef0):
    """Kernel matrix ``k(X_i, Y_j)``. The RBF is computed in blocks of rows small enough
    to stay in cache through its elementwise passes (several times faster than whole-matrix
    passes at n = 5,000)."""
    if kernel == "linear":
        return X @ Y.T
    if kernel == "rbf":
        out = _empty((X.shape[0], Y.shape[0]))
        x_sq = np.einsum("ij,ij->i", X, X)
        y_sq = np.einsum("ij,ij->i", Y, Y)
        step = max(1, 16384 // max(1, Y.shape[0]))
        for start in range(0, X.shape[0], step):
            block = out[start : start + step]
            np.dot(X[start : start + step], Y.T, out=block)
            block *= -2.0
            block += x_sq[start : start + step, None]
            block += y_sq
            np.maximum(block, 0.0, out=block)
            block *= -gamma
            np.exp(block, out=block)
        return out
    return pairwise_kernels(
        X, Y, metric=kernel, filter_params=True, gamma=gamma, degree=degree, coef0=coef0
    )


def _masked_argmin(values, mask):
    """Index of the smallest value where ``mask`` holds (or -1) and that value."""
    masked = np.where(mask, values, np.inf)
    k = int(np.argmin(masked))
    return (k, masked[k]) if np.isfinite(masked[k]) else (-1, np.inf)


def _masked_argmax(values, mask):
    masked = np.where(mask, values, -np.inf)
    k = int(np.argmax(masked))
    return (k, masked[k]) if np.isfinite(masked[k]) else (-1, -np.inf)


def _level(g, free, lo, hi):
    """KKT multiplier of one variable group: mean gradient over its free variables,
    else the midpoint of the feasible interval ``[hi, lo]`` (``hi`` = largest gradient of a
    positive variable, ``lo`` = smallest gradient)."""
    if np.any(free):
        return float(np.mean(g[free]))
    if np.isfinite(hi) and np.isfinite(lo):
        return 0.5 * (hi + lo)
    return float(lo if np.isfinite(lo) else hi)


def _sparse_matvec(K, v):
    """``K @ v`` for symmetric ``K``, reading only the rows where ``v`` is non-zero."""
    idx = np.flatnonzero(v)
    if idx.size > K.shape[0] // 4:
        return K @ v
    return v[idx] @ K[idx]


def _submatrix(A, rows, cols):
    """``A[np.ix_(rows, cols)]``, gathered in blocks of rows: several times faster than
    fancy indexing on both axes, without a ``len(rows) x n`` temporary."""
    out = _empty((rows.size, cols.size))
    step = 64
    for start in range(0, rows.size, step):
        np.take(A[rows[start : start + step]], cols, axis=1, out=out[start : start + step])
    return out


def _hessian_blocks(K, K_priv, y, gamma_priv, *, overwrite=False):
    """``(G, P)``: the alpha block ``G_ij = y_i y_j K_ij + K*_ij / gamma`` of the Hessian of
    the negative dual and ``P = K* / gamma`` (its other blocks). With ``overwrite`` they
    are computed in the buffers of ``K`` and ``K_priv``, so that the solver holds two n x n
    matrices instead of four."""
    P = np.multiply(K_priv, 1.0 / gamma_priv, out=K_priv if overwrite else None)
    G = K if overwrite else np.empty_like(K)
    step = max(1, 65536 // max(1, y.shape[0]))  # row blocks: no n x n temporaries
    for start in range(0, y.shape[0], step):
        rows = slice(start, start + step)
        np.multiply(K[rows], np.outer(y[rows], y), out=G[rows])
        G[rows] += P[rows]
    return G, P


class _State:
    """Iterate of the SVM+ dual with the cached products its gradient needs.

    The problem is held as ``G`` and ``P`` (see :func:`_hessian_blocks`); a row of ``K``
    is ``y_i y * (G_i - P_i)``. ``f = K (y * alpha)`` and ``F = K* (alpha + beta - C) /
    gamma``; the gradients of the minimised negative dual are ``g_a = y * f + F - 1`` and
    ``g_b = F``.
    """

    def __init__(self, G, P, y, C, alpha, beta):
        self.G, self.P, self.y, self.C = G, P, y, C
        self.pos = y > 0
        self.neg = ~self.pos
        self.alpha, self.beta = alpha, beta
        self.P_rowsum = P.sum(axis=1)
        self.refresh()

    def K_row(self, i):
        return (self.y[i] * self.y) * (self.G[i] - self.P[i])

    def refresh(self):
        """Recompute the cached products from scratch (O(n * n_nonzero))."""
        # y * f = (G - P) alpha
        self.f = self.y * (
            _sparse_matvec(self.G, self.alpha) - _sparse_matvec(self.P, self.alpha)
        )
        self.F = _sparse_matvec(self.P, self.alpha + self.beta) - self.C * self.P_rowsum

    def gradients(self):
        return self.y * self.f + self.F - 1.0, self.F

    def negative_dual(self):
        s = self.alpha + self.beta - self.C
        return -self.alpha.sum() + 0.5 * np.dot(self.y * self.alpha, self.f) + 0.5 * np.dot(
            s, self.F
        )

    def violation(self):
        """Largest KKT violation (0 at the optimum); see :func:`_smo` for the five kinds."""
        g_a, g_b = self.gradients()
        a_pos = self.alpha > 0
        p_lo = np.min(g_a[self.pos])
        n_lo = np.min(g_a[self.neg])
        p_hi = _masked_argmax(g_a, self.pos & a_pos)[1]
        n_hi = _masked_argmax(g_a, self.neg & a_pos)[1]
        b_lo = np.min(g_b)
        b_hi = _masked_argmax(g_b, self.beta > 0)[1]
        return max(
            p_hi - p_lo,
            n_hi - n_lo,
            b_hi - b_lo,
            0.5 * (2.0 * b_hi - p_lo - n_lo),
            0.5 * (p_hi + n_hi - 2.0 * b_lo),
        )


def _smo(state, *, tol, max_iter):
    """Generalized SMO steps from ``state`` until the KKT violation is at most ``tol``.

    The KKT conditions say that, within each group of variables (alphas with y = +1, alphas
    with y = -1, betas), every positive variable has the group's smallest gradient, and that
    the three group levels ``m+, m-, m_b`` satisfy ``m+ + m- = 2 m_b``. The five violation
    kinds below are the first-order decreases of the five smallest feasible moves; each
    step takes the largest one and minimises exactly along it.

    Returns
    -------
    (n_steps, converged)
    """
    G, P, y = state.G, state.P, state.y
    pos, neg = state.pos, state.neg
    alpha, beta, f, F = state.alpha, state.beta, state.f, state.F
    diag_G = np.ascontiguousarray(np.diag(G))
    diag_P = np.ascontiguousarray(np.diag(P))
    for it in range(max_iter):
        g_a = y * f + F - 1.0
        g_b = F
        a_pos = alpha > 0
        # Extremes per group: lo = smallest gradient (may increase), hi = largest gradient
        # of a positive variable (may decrease).
        ip_lo, p_lo = _masked_argmin(g_a, pos)
        in_lo, n_lo = _masked_argmin(g_a, neg)
        ip_hi, p_hi = _masked_argmax(g_a, pos & a_pos)
        in_hi, n_hi = _masked_argmax(g_a, neg & a_pos)
        kb_lo = int(np.argmin(g_b))
        b_lo = g_b[kb_lo]
        kb_hi, b_hi = _masked_argmax(g_b, beta > 0)
        violations = (
            p_hi - p_lo,  # pair of alphas with y = +1
            n_hi - n_lo,  # pair of alphas with y = -1
            b_hi - b_lo,  # pair of betas
            0.5 * (2.0 * b_hi - p_lo - n_lo),  # (+t, +t, -2t) on (alpha+, alpha-, beta)
            0.5 * (p_hi + n_hi - 2.0 * b_lo),  # (-t, -t, +2t)
        )
        kind = int(np.argmax(violations))
        if not violations[kind] > tol:
            return it, True
        if kind <= 2:
            # Pair step: decrease the variable j with the largest gradient, increase the
            # one i chosen by the second-order rule (largest guaranteed decrease).
            if kind == 2:
                j, group, g, var = kb_hi, None, g_b, beta
                q_col = P[j]
                q_diag = diag_P
            else:
                j = ip_hi if kind == 0 else in_hi
                group = pos if kind == 0 else neg
                g, var = g_a, alpha
                # Hessian column between alphas of the same label: G itself.
                q_col = G[j]
                q_diag = diag_G
            diff = g[j] - g
            curv = np.maximum(q_diag + q_diag[j] - 2.0 * q_col, _TAU)
            gain = np.where(diff > 0, diff * diff / curv, -np.inf)
            if group is not None:
                gain = np.where(group, gain, -np.inf)
            i = int(np.argmax(gain))
            t = min(diff[i] / curv[i], var[j])
            var[i] += t
            var[j] = 0.0 if t == var[j] else var[j] - t
            if kind != 2:
                f += (t * y[i]) * (state.K_row(i) - state.K_row(j))
            F += t * (P[i] - P[j])
            continue
        # Triple step on (alpha_i: y=+1, alpha_j: y=-1, beta_k) along s*(+1, +1, -2).
        if kind == 3:
            i, j, k, sign = ip_lo, in_lo, kb_hi, 1.0
        else:
            i, j, k, sign = ip_hi, in_hi, kb_lo, -1.0
        deriv = sign * (g_a[i] + g_a[j] - 2.0 * g_b[k])  # < 0 by selection
        idx = np.array([i, j, k])
        coef = np.array([1.0, 1.0, -2.0])
        # K_ii + K_jj - 2 K_ij with K = y y^T (G - P) and y_i = -y_j.
        curv = (G[i, i] - P[i, i]) + (G[j, j] - P[j, j]) + 2.0 * (G[i, j] - P[i, j])
        curv += coef @ P[np.ix_(idx, idx)] @ coef
        t = -deriv / max(curv, _TAU)
        if sign > 0:
            t = min(t, 0.5 * beta[k])
            beta[k] = 0.0 if t == 0.5 * beta[k] else beta[k] - 2.0 * t
            alpha[i] += t
            alpha[j] += t
        else:
            t = min(t, alpha[i], alpha[j])
            alpha[i] = 0.0 if t == alpha[i] else alpha[i] - t
            alpha[j] = 0.0 if t == alpha[j] else alpha[j] - t
            beta[k] += 2.0 * t
        st = sign * t
        f += st * (state.K_row(i) - state.K_row(j))  # y_i = +1, y_j = -1
        F += st * (P[i] + P[j] - 2.0 * P[k])
    return max_iter, state.violation() <= tol


class _FaceCache:
    """Cholesky factor of the Hessian block of the current free set, updated in place.

    Variables are numbered ``0..n-1`` (alpha) and ``n..2n-1`` (beta); the Hessian of the
    negative dual is ``y_i y_j K_ij + K*_ij / gamma`` between two alphas and
    ``K*_ij / gamma`` otherwise. A new free set keeps the factor's leading block up to the
    first variable that left, and only the trailing block is refactorised (a Schur
    complement): the active-set method mostly appends variables and drops recently added
    ones, so most updates cost O(n_free^2 * changes) instead of O(n_free^3).
    """

    def __init__(self, state):
        self.state = state
        self.n = state.y.shape[0]
        scale = float(np.max(np.diag(state.G)))
        # A tiny ridge keeps singular faces (low-rank kernels) solvable; the KKT check and
        # the SMO that follows absorb the resulting O(ridge) error.
        self.ridge = 1e-10 * max(1.0, scale)
        self.reset()

    def reset(self):
        self.ids = np.empty(0, dtype=int)
        self.L = np.empty((0, 0))

    def hessian(self, rows, cols):
        st, n = self.state, self.n
        r, c = rows % n, cols % n
        Q = _submatrix(st.G, r, c)
        # Entries in a beta row or column are P_ij = K*_ij / gamma (betas are usually few).
        rb, cb = np.flatnonzero(rows >= n), np.flatnonzero(cols >= n)
        if rb.size:
            Q[rb] = _submatrix(st.P, r[rb], c)
        if cb.size:
            Q[:, cb] = _submatrix(st.P, r, c[cb])
        return Q

    def factor(self, ids):
        """Make ``self.L`` the Cholesky factor of the Hessian on the set ``ids``."""
        member = np.zeros(2 * self.n, dtype=bool)
        member[ids] = True
        still = member[self.ids]
        j = int(np.argmin(still)) if not np.all(still) else still.size
        prefix = self.ids[:j]
        known = np.zeros(2 * self.n, dtype=bool)
        known[self.ids] = True
        rest = np.concatenate([self.ids[j:][still[j:]], ids[~known[ids]]])
        L11 = self.L[:j, :j]
        if rest.size:
            S = self.hessian(rest, rest)
            S[np.diag_indices(rest.size)] += self.ridge
            if j:
                W = scipy.linalg.solve_triangular(
                    L11, self.hessian(prefix, rest), lower=True, check_finite=False
                )
                S -= W.T @ W
            else:
                W = np.empty((0, rest.size))
            L22 = scipy.linalg.cholesky(S, lower=True, check_finite=False)
            L11 = np.block([[L11, np.zeros((j, rest.size))], [W.T, L22]])
        self.ids = np.concatenate([prefix, rest])
        self.L = L11


def _face_solution(state, a_idx, b_idx, cache=None):
    """Minimiser of the negative dual over the face where only ``alpha[a_idx]`` and
    ``beta[b_idx]`` may be non-zero, ignoring their signs: one symmetric KKT solve.

    Returns (u_alpha, u_beta, lambda) with the multipliers ``lambda = (l1, l2)`` of the
    constraints ``sum y alpha = 0`` and ``sum (alpha + beta) = n C`` (None where the face
    leaves a constraint empty).
    """
    y, C = state.y, state.C
    n = y.shape[0]
    na, nb = a_idx.size, b_idx.size
    if cache is not None:
        try:
            cache.factor(np.concatenate([a_idx, n + b_idx]))
        except (scipy.linalg.LinAlgError, np.linalg.LinAlgError, ValueError):
            cache.reset()  # numerically singular: solve this face directly below
        else:
            ids = cache.ids
            is_a = ids < n
            p = -C * state.P_rowsum[ids % n]
            p[is_a] -= 1.0
            A = np.vstack(([np.where(is_a, y[ids % n], 0.0)] if na else []) + [np.ones(ids.size)])
            c = np.zeros(A.shape[0])
            c[-1] = n * C
            factor = (cache.L, True)
            sol = scipy.linalg.cho_solve(factor, np.column_stack([p, A.T]), check_finite=False)
            Hp, HA = sol[:, 0], sol[:, 1:]
            lam = np.linalg.solve(A @ HA, c + A @ Hp)
            u = HA @ lam - Hp
            pos = np.empty(2 * n, dtype=int)
            pos[ids] = np.arange(ids.size)
            lam = (lam[0], lam[1]) if A.shape[0] == 2 else (None, lam[0])
            return u[pos[a_idx]], u[pos[n + b_idx]], lam
    idx = np.concatenate([a_idx, b_idx])
    Q = _submatrix(state.P, idx, idx)
    Q[:na, :na] = _submatrix(state.G, a_idx, a_idx)
    ya = y[a_idx]
    # Linear term of the negative dual: -1 on alpha, -(C / gamma) K* 1 on alpha and beta.
    p = -C * state.P_rowsum[idx]
    p[:na] -= 1.0
    rows = []
    if na:
        rows.append(np.concatenate([ya, np.zeros(nb)]))
    rows.append(np.ones(na + nb))
    A = np.vstack(rows)
    rhs_c = np.array([0.0] * (len(rows) - 1) + [n * C])
    m = A.shape[0]
    # A tiny ridge keeps singular faces (low-rank kernels) solvable; the KKT check and the
    # SMO that follows absorb the resulting O(ridge) error.
    Q[np.diag_indices(na + nb)] += 1e-10 * max(1.0, float(np.max(np.diag(Q))))
    try:
        # Q u + p = A^T lam, A u = c: Cholesky of Q and a 2 x 2 system for lam.
        factor = scipy.linalg.cho_factor(Q, check_finite=False)
        Hp = scipy.linalg.cho_solve(factor, p, check_finite=False)
        HA = scipy.linalg.cho_solve(factor, A.T, check_finite=False)
        lam = np.linalg.solve(A @ HA, rhs_c + A @ Hp)
        u = HA @ lam - Hp
    except (scipy.linalg.LinAlgError, np.linalg.LinAlgError):
        M = np.zeros((na + nb + m, na + nb + m))
        M[: na + nb, : na + nb] = Q
        M[: na + nb, na + nb :] = A.T  # symmetric, so the multipliers come out negated
        M[na + nb :, : na + nb] = A
        rhs = np.concatenate([-p, rhs_c])
        try:
            sol = scipy.linalg.solve(M, rhs, check_finite=False, assume_a="sym")
        except (scipy.linalg.LinAlgError, ValueError):
            sol = scipy.linalg.lstsq(M, rhs, check_finite=False)[0]
        u, lam = sol[: na + nb], -sol[na + nb :]
    lam = (lam[0], lam[1]) if m == 2 else (None, lam[0])
    return u[:na], u[na:], lam


def _active_set(state, *, tol, max_solves=100):
    """Newton steps on faces of the feasible set (a primal active-set method).

    Each solve gives the exact minimiser ``u`` of the negative dual on the current free set
    (equality constraints only). If ``u >= 0`` the iterate moves there and the zero
    variables with the most negative reduced gradients join the free set (a batch as large
    as the free set, so that it grows geometrically). Otherwise the iterate moves towards
    ``u`` until a variable reaches zero (which leaves the free set); before that the
    cheaper guess "drop every variable that ``u`` makes negative" is tried and kept if it
    lowers the objective. Every accepted move lowers the objective; the SMO that follows
    guarantees convergence in any case.

    Returns the number of face solves.
    """
    y = state.y
    n = y.shape[0]
    a_free = np.flatnonzero(state.alpha > 0)
    b_free = np.flatnonzero(state.beta > 0)
    obj = state.negative_dual()
    cache = _FaceCache(state)
    for solves in range(1, max_solves + 1):
        u_a, u_b, lam = _face_solution(state, a_free, b_free, cache)
        # Variables at zero that the face solution would make negative leave it at once
        # (they cannot move); the remaining face is solved again.
        zero_neg_a = (u_a < 0) & (state.alpha[a_free] == 0)
        zero_neg_b = (u_b < 0) & (state.beta[b_free] == 0)
        if np.any(zero_neg_a) or np.any(zero_neg_b):
            a_free, b_free = a_free[~zero_neg_a], b_free[~zero_neg_b]
            continue
        if not (np.all(u_a >= 0) and np.all(u_b >= 0)):
            old = state.alpha.copy(), state.beta.copy(), state.f, state.F
            keep_a, keep_b = a_free[u_a > 0], b_free[u_b > 0]
            g_a, g_b, _ = _face_solution(state, keep_a, keep_b, cache)
            if np.all(g_a >= 0) and np.all(g_b >= 0):
                _set(state, keep_a, g_a, keep_b, g_b)
                new_obj = state.negative_dual()
                if new_obj < obj:
                    obj, a_free, b_free = new_obj, keep_a, keep_b
                    continue
                state.alpha[:], state.beta[:], state.f, state.F = old
            # Move towards u until the first variable reaches zero.
            d_a = u_a - state.alpha[a_free]
            d_b = u_b - state.beta[b_free]
            v = np.concatenate([state.alpha[a_free], state.beta[b_free]])
            d = np.concatenate([d_a, d_b])
            neg = d < 0
            tau = min(1.0, float(np.min(-v[neg] / d[neg])))
            new_a = np.maximum(state.alpha[a_free] + tau * d_a, 0.0)
            new_b = np.maximum(state.beta[b_free] + tau * d_b, 0.0)
            new_a[new_a <= 1e-14 * n * state.C] = 0.0
            new_b[new_b <= 1e-14 * n * state.C] = 0.0
            _set(state, a_free, new_a, b_free, new_b)
            obj = state.negative_dual()
            a_free, b_free = a_free[new_a > 0], b_free[new_b > 0]
            continue
        _set(state, a_free, u_a, b_free, u_b)
        obj = state.negative_dual()
        if state.violation() <= tol:
            return solves
        g_a, g_b = state.gradients()
        l1, l2 = lam
        if l1 is None:
            l1 = 0.5 * (np.min(g_a[state.pos]) - np.min(g_a[state.neg]))
        r = np.concatenate([g_a - l1 * y - l2, g_b - l2])
        r[a_free] = np.inf
        r[n + b_free] = np.inf
        cand = np.flatnonzero(r < -0.5 * tol)
        if cand.size == 0:
            return solves
        batch = max(16, a_free.size + b_free.size)
        if cand.size > batch:
            cand = cand[np.argpartition(r[cand], batch)[:batch]]
        a_free = np.union1d(a_free, cand[cand < n])
        b_free = np.union1d(b_free, cand[cand >= n] - n)
    return max_solves


def _face_gradients(state, a_idx, u_a, b_idx, u_b):
    """Gradients ``(g_a, g_b)`` of the negative dual at the point that is ``u_a`` on
    ``a_idx``, ``u_b`` on ``b_idx`` and zero elsewhere (two n x n matrix-vector products)."""
    n = state.y.shape[0]
    va = np.zeros(n)
    va[a_idx] = u_a
    vb = np.zeros(n)
    vb[b_idx] = u_b
    # g_a = G a + P b - C P 1 - 1 and g_b = P (a + b) - C P 1.
    Pb = _sparse_matvec(state.P, vb)
    g_b = state.P @ va + Pb - state.C * state.P_rowsum
    return state.G @ va + Pb - state.C * state.P_rowsum - 1.0, g_b


def _cholesky_inplace(Q):
    """Lower Cholesky factor of the symmetric C-ordered ``Q``, in ``Q``'s own buffer (its
    lower triangle is read). LAPACK works on Fortran order, so a C-ordered matrix would be
    copied first: a fresh m x m buffer, whose first touch costs as much as the
    factorisation at m ~ 3,000. The transpose is Fortran-ordered and, ``Q`` being
    symmetric, the same matrix: its upper factor ``U`` is ``L^T``."""
    if not Q.flags.c_contiguous:
        Q = np.ascontiguousarray(Q)
    U = scipy.linalg.cholesky(Q.T, lower=False, overwrite_a=True, check_finite=False)
    return U.T


class _SchurFaceSolver:
    """Exact face solutions for a sequence of free sets that change little between calls.

    Holds the Cholesky factor ``L`` of the Hessian block on a *base* list of variables
    (``ids``; numbering as in :class:`_FaceCache`), ordered by decreasing value when it is
    built, so that the variables likely to leave (the smallest) sit at its end. For a new
    free set the solver keeps the leading block of ``L`` up to a cut, appends the free
    variables after the cut and the new ones (a block Cholesky step, ``O(m^2 k)`` for
    ``k`` of them), and holds the base variables before the cut that are no longer free at
    zero by extra equality constraints, solved through their Schur complement
    (``O(m^2 r)`` for ``r`` of them). The cut minimises the estimated cost; when even the
    best cut costs about as much as a new factorisation, the factor is rebuilt on the free
    set (``O(m^3 / 3)``).
    """

    hessian = _FaceCache.hessian

    def __init__(self, state):
        self.state = state
        self.n = state.y.shape[0]
        # The same tiny ridge as _FaceCache (singular faces of low-rank kernels).
        self.ridge = 1e-10 * max(1.0, float(np.max(np.diag(state.G))))
        self.reset()

    def reset(self):
        self.ids = np.empty(0, dtype=int)
        self.L = np.empty((0, 0))

    def _block(self, ids):
        Q = self.hessian(ids, ids)
        Q[np.diag_indices(ids.size)] += self.ridge
        return Q

    def _update(self, S, priority):
        n, ids = self.n, self.ids
        m = ids.size
        in_S = np.zeros(2 * n, dtype=bool)
        in_S[S] = True
        in_B = np.zeros(2 * n, dtype=bool)
        in_B[ids] = True
        new = S[~in_B[S]]
        gone = ~in_S[ids]
        # A cut at j keeps L[:j, :j]: r_j variables before it are held at zero, t_j are
        # appended; estimated cost in flops (triangular solve j^2 t, Schur complement
        # j t^2, Cholesky t^3 / 3, held variables), against a rebuild.
        cuts = np.concatenate([np.flatnonzero(gone), [m]])
        r = np.arange(cuts.size)
        t = ((m - cuts) - (gone.sum() - r) + new.size).astype(float)
        j = cuts.astype(float)
        cost = j**2 * (t + 2.0 * (r + 3)) + j * t**2 + t**3 / 3.0
        best = int(np.argmin(cost))
        if cost[best] > 0.7 * float(S.size) ** 3 / 3.0:
            S = S[np.argsort(-priority, kind="stable")]
            self.L = None  # free the old factor first: peak memory
            self.L = _cholesky_inplace(self._block(S))
            self.ids = S
            return
        j = int(cuts[best])
        tail = np.concatenate([ids[j:][~gone[j:]], new])
        if tail.size:
            L11 = self.L[:j, :j]
            W = scipy.linalg.solve_triangular(
                L11, self.hessian(ids[:j], tail), lower=True, check_finite=False
            )
            # S22 - W^T W on the lower triangle (all the Cholesky reads): a symmetric
            # rank-j update, half the flops of the product. On the transposed
            # (Fortran-ordered) views, "upper" there is the lower triangle here.
            S22 = dsyrk(
                -1.0, W.T, beta=1.0, c=self._block(tail).T, trans=0, lower=0, overwrite_c=1
            ).T
            L22 = _cholesky_inplace(S22)
            k = tail.size
            L = np.zeros((j + k, j + k))
            L[:j, :j] = L11
            L[j:, :j] = W.T
            L[j:, j:] = L22
        else:
            L = np.ascontiguousarray(self.L[:j, :j])
        self.L, self.ids = L, np.concatenate([ids[:j], tail])

    def solve(self, a_idx, b_idx, prio_a, prio_b):
        """The face solution, as :func:`_face_solution` returns it; ``prio_a`` and
        ``prio_b`` order a rebuilt factor (largest first)."""
        st, n = self.state, self.n
        S = np.concatenate([a_idx, n + b_idx])
        try:
            self._update(S, np.concatenate([prio_a, prio_b]))
            ids = self.ids
            m = ids.size
            in_S = np.zeros(2 * n, dtype=bool)
            in_S[S] = True
            removed = np.flatnonzero(~in_S[ids])
            is_a = ids < n
            p = -st.C * st.P_rowsum[ids % n]
            p[is_a] -= 1.0
            p[removed] = 0.0
            # Columns: the two equality constraints (on the free variables), then one
            # unit vector per base variable held at zero.
            M = np.zeros((m, 2 + removed.size))
            M[:, 0] = np.where(is_a, st.y[ids % n], 0.0)
            M[:, 1] = 1.0
            M[removed, :2] = 0.0
            M[removed, 2 + np.arange(removed.size)] = 1.0
            c = np.zeros(M.shape[1])
            c[1] = n * st.C
            # L L^T = U^T U with U = L^T, which is Fortran-ordered when L is C-ordered (as
            # built here): LAPACK then reads it without a copy.
            sol = scipy.linalg.cho_solve(
                (self.L.T, False), np.column_stack([p, M]), check_finite=False
            )
            Hp, HM = sol[:, 0], sol[:, 1:]
            kappa = np.linalg.solve(M.T @ HM, c + M.T @ Hp)
        except (scipy.linalg.LinAlgError, np.linalg.LinAlgError, ValueError):
            self.reset()  # numerically singular: solve this face directly
            return _face_solution(st, a_idx, b_idx)
        u = HM @ kappa - Hp
        pos = np.empty(2 * n, dtype=int)
        pos[ids] = np.arange(m)
        return u[pos[a_idx]], u[pos[n + b_idx]], (kappa[0], kappa[1])


def _primal_dual_active_set(state, a_free, b_free, *, tol, priority=None, max_iter=60):
    """Primal-dual active-set iterations (Hintermueller, Ito & Kunisch, SIAM J. Optim.
    2003: a semismooth Newton method) for the SVM+ dual.

    Each iteration takes a guess of which variables are positive (``a_free``, ``b_free``;
    the others are zero), solves the equality-constrained problem on them exactly
    (:class:`_SchurFaceSolver`), and makes a new guess: the free variables that came out
    non-positive become zero, and the zero variables whose reduced gradient is below
    ``-tol / 2`` become free. When the guess repeats, the face solution is non-negative and
    satisfies the KKT conditions within ``tol / 2``. Unlike the primal active-set method
    (:func:`_active_set`), a guess may change by thousands of variables at once, so a
    handful of solves suffice from a good first guess; the iterates may be infeasible
    (negative) on the way, and convergence is not guaranteed for a non-M-matrix Hessian,
    so a repeated guess other than the last, or ``max_iter``, stops it. ``priority`` (one
    value per alpha; larger = more surely positive) orders the first factor, so that the
    variables the second guess drops sit at its end and the factor is updated rather than
    rebuilt; later factors are ordered by the last solution.

    Returns
    -------
    (alpha, beta, (l1, l2), n_solves, converged)
        The last face solution (zero outside the guess) and its multipliers.
    """
    y, n = state.y, state.y.shape[0]
    a_free, b_free = a_free.copy(), b_free.copy()
    alpha, beta = np.zeros(n), np.zeros(n)
    solver = _SchurFaceSolver(state)
    seen = set()
    lam = (0.0, 0.0)
    for it in range(1, max_iter + 1):
        # Both labels need a free alpha, or the two equality constraints coincide.
        for group in (state.pos, state.neg):
            if not np.any(a_free & group):
                a_free[np.flatnonzero(group)[0]] = True
        a_idx, b_idx = np.flatnonzero(a_free), np.flatnonzero(b_free)
        prio_a = priority if it == 1 and priority is not None else alpha
        u_a, u_b, lam = solver.solve(a_idx, b_idx, prio_a[a_idx], beta[b_idx])
        l1, l2 = lam
        g_a, g_b = _face_gradients(state, a_idx, u_a, b_idx, u_b)
        alpha[:] = 0.0
        beta[:] = 0.0
        alpha[a_idx] = u_a
        beta[b_idx] = u_b
        new_a = (alpha > 0) | (~a_free & (g_a - l1 * y - l2 < -0.5 * tol))
        new_b = (beta > 0) | (~b_free & (g_b - l2 < -0.5 * tol))
        if np.array_equal(new_a, a_free) and np.array_equal(new_b, b_free):
            return alpha, beta, lam, it, True
        key = np.packbits(np.concatenate([new_a, new_b])).tobytes()
        if key in seen:
            return alpha, beta, lam, it, False
        seen.add(key)
        a_free, b_free = new_a, new_b
    return alpha, beta, lam, max_iter, False


def _initial_guess(G, P, y, C, tol, *, base=400):
    """First guess of the positive variables for :func:`_primal_dual_active_set`.

    The same problem is solved (recursively) on every fourth sample with ``C`` scaled by
    4, so that its primal ``1/2 |w|^2 + gamma/2 |w*|^2 + 4 C sum xi`` approximates the full
    one and its decision and correcting functions extend to all samples; the guess is the
    set of alphas whose extended reduced gradient is negative. Betas start at zero (the
    extension predicts them poorly; the first iteration adds those needed). Below
    ``4 * base`` samples every alpha starts free.

    Returns
    -------
    (a_free, b_free, priority)
        The guess and, per alpha, the negated extended reduced gradient (None when every
        alpha starts free): the larger, the more surely the alpha is positive.
    """
    n = y.shape[0]
    sub = np.arange(0, n, 4)
    if n < 4 * base or np.unique(y[sub]).size < 2:
        return np.ones(n, dtype=bool), np.zeros(n, dtype=bool), None
    C_sub = C * n / sub.size
    G_s = _submatrix(G, sub, sub)
    P_s = _submatrix(P, sub, sub)
    y_s = y[sub]
    a_free, b_free, prio = _initial_guess(G_s, P_s, y_s, C_sub, tol, base=base)
    st = _State(G_s, P_s, y_s, C_sub, np.zeros(sub.size), np.zeros(sub.size))
    a_s, b_s, (l1, l2), _, _ = _primal_dual_active_set(
        st, a_free, b_free, tol=tol, priority=prio
    )
    del G_s, P_s, st
    np.maximum(a_s, 0.0, out=a_s)
    np.maximum(b_s, 0.0, out=b_s)
    # The extended alpha gradient y f + F - 1 = (G - P) a + F - 1 = G a + P (b - C), by
    # whole-matrix products with vectors that are zero off the subsample (no row copies).
    v_a = np.zeros(n)
    v_a[sub] = a_s
    v_b = np.zeros(n)
    v_b[sub] = b_s - C_sub
    mu_a = G @ v_a + P @ v_b - 1.0 - l1 * y - l2
    return mu_a < 0, np.zeros(n, dtype=bool), -mu_a


def _make_feasible(alpha, beta, y, C):
    """A feasible point near ``(alpha, beta)``: clip at zero, then rescale the alphas of
    each label to a common sum and the betas to the remaining mass ``n C``."""
    n = y.shape[0]
    alpha, beta = np.maximum(alpha, 0.0), np.maximum(beta, 0.0)
    pos = y > 0
    s_pos, s_neg = alpha[pos].sum(), alpha[~pos].sum()
    if s_pos <= 0 or s_neg <= 0:
        alpha[:] = 0.0
        alpha[np.flatnonzero(pos)[0]] = alpha[np.flatnonzero(~pos)[0]] = 0.5 * n * C
        return alpha, np.zeros(n)
    t = min(s_pos, s_neg, 0.5 * n * C)
    alpha[pos] *= t / s_pos
    alpha[~pos] *= t / s_neg
    rest = n * C - 2.0 * t
    s_b = beta.sum()
    beta = beta * (rest / s_b) if s_b > 0 else np.full(n, rest / n)
    return alpha, beta


def _set(state, a_idx, a_val, b_idx, b_val):
    """Set the iterate to ``alpha[a_idx] = a_val``, ``beta[b_idx] = b_val``, zero elsewhere."""
    state.alpha[:] = 0.0
    state.beta[:] = 0.0
    state.alpha[a_idx] = a_val
    state.beta[b_idx] = b_val
    state.refresh()


def _solve_svm_plus_dual(
    K, K_priv, y, *, C, gamma_priv, tol=1e-3, max_iter=None, overwrite=False
):
    """Solve the SVM+ dual exactly (up to the KKT tolerance ``tol``).

    A primal-dual active-set phase (:func:`_primal_dual_active_set`, with
    :func:`_active_set` as its fallback) takes Newton steps on faces of the feasible set;
    generalized SMO (:func:`_smo`) then removes any remaining KKT violation.

    Parameters
    ----------
    K, K_priv : ndarray of shape (n, n)
        Kernel matrices on the deployable and the privileged inputs.
    y : ndarray of shape (n,)
        Labels in {-1, +1}; both must occur.
    C, gamma_priv : float
        Slack cost and weight of the correcting space (see the module docstring).
    tol : float
        Stop when no KKT violation exceeds ``tol``.
    max_iter : int or None
        SMO step limit (None: ``max(10_000, 100 * n)``).
    overwrite : bool
        Reuse the buffers of ``K`` and ``K_priv`` for the solver's matrices (their contents
        are lost).

    Returns
    -------
    dict with ``alpha``, ``beta``, ``intercept`` (b), ``intercept_priv`` (b*),
    ``slack`` (xi at the training points), ``dual_objective``, ``n_iter`` (face solves of
    the active-set phase plus SMO steps) and ``converged``.
    """
    n = y.shape[0]
    y = y.astype(float)
    if max_iter is None:
        max_iter = max(10_000, 100 * n)
    pos = y > 0
    G, P = _hessian_blocks(K, K_priv, y, gamma_priv, overwrite=overwrite)
    del K, K_priv
    state = _State(G, P, y, C, np.zeros(n), np.zeros(n))
    # Newton steps on faces do the bulk of the work: SMO alone converges slowly here,
    # because the alphas of SVM+ have no upper bound, so many stay free, coupled through K
    # and K*. The primal-dual active-set method usually ends at the exact optimum; should
    # it stall, the (monotone) primal active-set method continues from a feasible point
    # near its last iterate. SMO then removes whatever KKT violation is left.
    a_free, b_free, prio = _initial_guess(G, P, y, C, tol)
    alpha, beta, _, rounds, ok = _primal_dual_active_set(
        state, a_free, b_free, tol=tol, priority=prio
    )
    if not ok:
        alpha, beta = _make_feasible(alpha, beta, y, C)
    state.alpha[:] = alpha
    state.beta[:] = beta
    state.refresh()
    if not ok:
        rounds += _active_set(state, tol=tol, max_solves=max(300, n // 4))
    steps, converged = _smo(state, tol=tol, max_iter=max_iter)
    alpha, beta, F = state.alpha, state.beta, state.F
    g_a, g_b = state.gradients()
    a_pos = alpha > 0
    levels = []
    for group in (pos, ~pos):
        lo = np.min(g_a[group])
        hi = np.max(g_a[group & a_pos]) if np.any(group & a_pos) else -np.inf
        levels.append(_level(g_a[group], a_pos[group], lo, hi))
    m_pos, m_neg = levels
    b_free = beta > 0
    m_b = float(np.mean(g_b[b_free])) if np.any(b_free) else 0.5 * (m_pos + m_neg)
    # KKT: g_a = lambda1 * y + lambda2 on free alphas and g_b = lambda2 on free betas, with
    # b = -lambda1 and b* = -lambda2 (see the module docstring).
    intercept_priv = -m_b
    return {
        "alpha": alpha,
        "beta": beta,
        "intercept": 0.5 * (m_neg - m_pos),
        "intercept_priv": intercept_priv,
        "slack": F + intercept_priv,
        "dual_objective": float(-state.negative_dual()),
        "n_iter": rounds + steps,
        "converged": converged,
    }


class SVMPlusClassifier(ClassifierMixin, BaseEstimator):
    """SVM+ classifier: slacks modelled by a correcting function of privileged data.

    The SVM+ of Vapnik & Vashist (2009) replaces the free slack variables of a soft-margin
    SVM by a *correcting function* ``xi(x*) = w* . phi*(x*) + b*`` of the privileged inputs
    ``x*``, which exist at training time only; ``gamma_priv`` weighs its regularisation
    ``gamma_priv/2 |w*|^2``. The dual (see :mod:`lupi_ts.linear._svm_plus`) is solved exactly,
    up to the KKT tolerance ``tol``, by an active-set method finished by a generalized SMO
    (Pechyony, Izmailov, Vashist & Vapnik, 2010), after a primal-dual active-set (Newton)
    phase that does the bulk of the work. Two n x n float64 matrices are held in memory
    (four with several classes), and the fit takes several times as long as libsvm's SVC (see
    ``benchmarks/bench_svm_plus.py``); it is meant for small and medium problems.
    Prediction uses the deployable inputs only: ``f(x) = sum_i alpha_i y_i K(x_i, x) + b``.

    Without ``X_priv`` the estimator is an ordinary soft-margin SVM (solved by libsvm through
    :class:`sklearn.svm.SVC` on the same kernel). Several classes are handled one-vs-rest
    (one binary problem per class, sharing the kernel matrices).

    Parameters
    ----------
    C : float, default=1.0
        Cost of one unit of slack, ``> 0``.
    gamma_priv : float, default=1.0
        Weight ``gamma > 0`` of the correcting space's regulariser ``gamma/2 |w*|^2``
        (large values make the correcting function flat, nearly a constant slack). This is
        not a kernel width: see ``kernel_gamma_priv``.
    kernel : {"rbf", "linear", "poly", "sigmoid"}, default="rbf"
        Kernel on the deployable inputs ``X``.
    kernel_priv : {"rbf", "linear", "poly", "sigmoid"}, default="rbf"
        Kernel on the privileged inputs ``X_priv``.
    gamma : "scale", "auto" or float, default="scale"
        Width of ``kernel`` (rbf/poly/sigmoid), as in :class:`sklearn.svm.SVC`:
        ``"scale"`` is ``1 / (n_features * X.var())``, ``"auto"`` is ``1 / n_features``.
    kernel_gamma_priv : "scale", "auto" or float, default="scale"
        Width of ``kernel_priv``, computed from ``X_priv`` in the same way.
    degree, degree_priv : int, default=3
        Degrees of the polynomial kernels.
    coef0, coef0_priv : float, default=0.0
        Constant terms of the poly/sigmoid kernels.
    tol : float, default=1e-3
        KKT tolerance of the solver (libsvm's default).
    max_iter : int or None, default=None
        Most SMO steps per binary problem; None means ``max(10_000, 100 * n_samples)``.
        A :class:`~sklearn.exceptions.ConvergenceWarning` is raised when it is reached.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    support_ : ndarray of shape (n_SV,)
        Training indices with ``alpha_i > 0`` in at least one binary problem.
    support_vectors_ : ndarray of shape (n_SV, n_features)
    dual_coef_ : ndarray of shape (n_problems, n_SV)
        ``alpha_i * y_i`` on ``support_`` (one row per binary problem: 1 for two classes,
        else one per class, "this class" against the rest).
    intercept_ : ndarray of shape (n_problems,)
        ``b`` of each decision function.
    alpha_ : ndarray of shape (n_problems, n_samples)
        Dual variables of the margin constraints.
    beta_ : ndarray of shape (n_problems, n_samples) or None
        Dual variables of ``xi >= 0`` (None without ``X_priv``).
    intercept_priv_ : ndarray of shape (n_problems,) or None
        ``b*`` of each correcting function (None without ``X_priv``).
    slack_ : ndarray of shape (n_problems, n_samples) or None
        The correcting function at the training points (None without ``X_priv``).
    dual_objective_ : ndarray of shape (n_problems,)
        Value of the (maximised) dual at the solution.
    n_iter_ : ndarray of shape (n_problems,)
        Solver steps per binary problem (face solves of the Newton phase plus SMO steps).
    gamma_ : float
        Kernel width used for ``kernel``.

    Examples
    --------
    >>> import numpy as np
    >>> from lupi_ts.linear import SVMPlusClassifier
    >>> rng = np.random.default_rng(0)
    >>> X_priv = rng.normal(size=(60, 2))
    >>> y = (X_priv[:, 0] + X_priv[:, 1] > 0).astype(int)
    >>> X = X_priv + rng.normal(scale=0.5, size=X_priv.shape)  # a noisy view of x*
    >>> clf = SVMPlusClassifier(C=1.0, gamma_priv=1.0, kernel="linear").fit(X, y, X_priv=X_priv)
    >>> clf.predict(X[:5]).shape
    (5,)
    >>> bool(clf.score(X, y) > 0.8)
    True
    """

    def __init__(
        self,
        C=1.0,
        gamma_priv=1.0,
        kernel="rbf",
        kernel_priv="rbf",
        *,
        gamma="scale",
        kernel_gamma_priv="scale",
        degree=3,
        degree_priv=3,
        coef0=0.0,
        coef0_priv=0.0,
        tol=1e-3,
        max_iter=None,
    ):
        self.C = C
        self.gamma_priv = gamma_priv
        self.kernel = kernel
        self.kernel_priv = kernel_priv
        self.gamma = gamma
        self.kernel_gamma_priv = kernel_gamma_priv
        self.degree = degree
        self.degree_priv = degree_priv
        self.coef0 = coef0
        self.coef0_priv = coef0_priv
        self.tol = tol
        self.max_iter = max_iter

    def _validate_params_(self, privileged):
        C = _check_positive(self.C, "C")
        gamma_priv = _check_positive(self.gamma_priv, "gamma_priv") if privileged else None
        _check_kernel(self.kernel, "kernel")
        if privileged:
            _check_kernel(self.kernel_priv, "kernel_priv")
        for name in ("degree", "degree_priv"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"{name} must be a positive integer; got {value!r}.")
        for name in ("coef0", "coef0_priv"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ValueError(f"{name} must be a real number; got {value!r}.")
        tol = _check_positive(self.tol, "tol")
        max_iter = self.max_iter
        if max_iter is not None and (
            isinstance(max_iter, bool) or not isinstance(max_iter, numbers.Integral) or max_iter < 1
        ):
            raise ValueError(f"max_iter must be None or a positive integer; got {max_iter!r}.")
        return C, gamma_priv, tol, max_iter

    def fit(self, X, y, *, X_priv=None):
        """Fit on deployable inputs ``X`` with privileged inputs ``X_priv``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Deployable inputs (also available at prediction time).
        y : array-like of shape (n_samples,)
            Class labels (at least two classes).
        X_priv : array-like of shape (n_samples, n_features_priv), default=None
            Privileged inputs, one row per row of ``X``; None fits an ordinary SVM.

        Returns
        -------
        self : SVMPlusClassifier
        """
        privileged = X_priv is not None
        C, gamma_priv, tol, max_iter = self._validate_params_(privileged)
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        if self.classes_.shape[0] < 2:
            raise ValueError(
                f"y contains only one class ({self.classes_[0]!r}); SVMPlusClassifier needs "
                "at least two classes."
            )
        self.gamma_ = _resolve_kernel_gamma(self.gamma, X, "gamma")
        K = _kernel(X, X, self.kernel, self.gamma_, self.degree, self.coef0)
        if privileged:
            X_priv = check_privileged(X_priv, X.shape[0], dtype=np.float64)
            self.kernel_gamma_priv_ = _resolve_kernel_gamma(
                self.kernel_gamma_priv, X_priv, "kernel_gamma_priv"
            )
            K_priv = _kernel(
                X_priv, X_priv, self.kernel_priv, self.kernel_gamma_priv_,
                self.degree_priv, self.coef0_priv,
            )
        n_classes = self.classes_.shape[0]
        problems = [1] if n_classes == 2 else range(n_classes)
        n = X.shape[0]
        alpha = np.zeros((len(problems), n))
        beta = np.zeros((len(problems), n)) if privileged else None
        slack = np.zeros((len(problems), n)) if privileged else None
        intercept = np.zeros(len(problems))
        intercept_priv = np.zeros(len(problems)) if privileged else None
        dual = np.zeros(len(problems))
        n_iter = np.zeros(len(problems), dtype=int)
        for p, cls in enumerate(problems):
            y_pm = np.where(y_idx == cls, 1.0, -1.0)
            if privileged:
                # One binary problem: the solver may reuse the kernels' memory.
                sol = _solve_svm_plus_dual(
                    K, K_priv, y_pm, C=C, gamma_priv=gamma_priv, tol=tol, max_iter=max_iter,
                    overwrite=len(problems) == 1,
                )
                if not sol["converged"]:
                    warnings.warn(
                        f"SVMPlusClassifier did not converge in {sol['n_iter']} steps; "
                        "increase max_iter or tol.",
                        ConvergenceWarning,
                        stacklevel=2,
                    )
                alpha[p] = sol["alpha"]
                beta[p] = sol["beta"]
                slack[p] = sol["slack"]
                intercept[p] = sol["intercept"]
                intercept_priv[p] = sol["intercept_priv"]
                dual[p] = sol["dual_objective"]
                n_iter[p] = sol["n_iter"]
            else:
                svc = SVC(
                    C=C, kernel="precomputed", tol=tol,
                    max_iter=-1 if max_iter is None else max_iter,
                ).fit(K, y_pm)
                # With classes_ = [-1, 1] libsvm's decision is positive for +1.
                alpha[p, svc.support_] = np.abs(svc.dual_coef_[0])
                intercept[p] = svc.intercept_[0]
                n_iter[p] = svc.n_iter_[0]
                ya = y_pm * alpha[p]
                dual[p] = alpha[p].sum() - 0.5 * ya @ K @ ya
        self.support_ = np.flatnonzero(np.any(alpha > 0, axis=0))
        self.support_vectors_ = X[self.support_]
        signs = np.where(np.asarray(y_idx)[None, :] == np.asarray(problems)[:, None], 1.0, -1.0)
        self.dual_coef_ = (alpha * signs)[:, self.support_]
        self.intercept_ = intercept
        self.alpha_ = alpha
        self.beta_ = beta
        self.slack_ = slack
        self.intercept_priv_ = intercept_priv
        self.dual_objective_ = dual
        self.n_iter_ = n_iter
        return self

    def decision_function(self, X):
        """Signed distance to the margin, from deployable inputs only.

        Returns
        -------
        ndarray of shape (n_samples,) for two classes (positive means ``classes_[1]``),
        else (n_samples, n_classes) one-vs-rest scores.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        K = _kernel(X, self.support_vectors_, self.kernel, self.gamma_, self.degree, self.coef0)
        scores = K @ self.dual_coef_.T + self.intercept_
        return scores[:, 0] if self.classes_.shape[0] == 2 else scores

    def predict(self, X):
        """Predicted class labels (no privileged data needed)."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[np.argmax(scores, axis=1)]
