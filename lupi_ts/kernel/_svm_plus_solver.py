"""The SVM+ dual solver (the estimator is :class:`lupi_ts.SVMPlusClassifier`, in ``_svm_plus.py``).

SVM+ (Vapnik & Vashist, 2009) is an SVM whose slacks are modelled in privileged space.

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
   gradients (adding at most a tenth of the guess's size per iteration: adding more
   overshoots), and stop when the guess repeats (then the KKT conditions hold). The first
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

Cost: the Hessian has two symmetric n x n blocks, ``G = y_i y_j K_ij + K*_ij / gamma_priv``
between alphas and ``P = K* / gamma_priv`` elsewhere (a row of ``K`` is
``y_i y (G_i - P_i)``). Both are packed into one n x n matrix, ``G`` below and ``P`` above
the diagonal (:class:`_PackedHessian`: 8 n^2 bytes, 200 MB at n = 5,000); for a binary
problem it is computed straight from the inputs a few rows at a time, so no kernel matrix
is held and only the lower triangle of ``K`` is computed; one-vs-rest keeps the two
kernel matrices and packs one Hessian per class. Each face solve costs up to
O(n_free^3), much less when the free set changes little. Memory traffic is kept down:
matrix-vector products read half the packed matrix each (``dsymv``), the blocks to factor
are gathered from its lower triangle only (:meth:`_PackedHessian.lower_block`) into two
workspaces reused across solves, Cholesky factors are computed and used in place
(:func:`_cholesky_inplace`, Fortran-ordered transposes), the Schur update is a symmetric
rank-k update (``dsyrk``), and matrices of 32 MB and more come from pre-faulted anonymous
memory maps rather than huge pages (:func:`_empty`).
"""

from __future__ import annotations

import mmap
from typing import Any

import numpy as np
import scipy.linalg
from scipy.linalg.blas import dsymv, dsyrk
from sklearn.metrics.pairwise import pairwise_kernels

__all__ = ["_PackedHessian", "_kernel", "_solve_packed", "_solve_svm_plus_dual"]

# Curvature floor for degenerate (flat) directions, as libsvm's TAU: the step is then
# limited by the bound of the decreasing variable instead of by the curvature.
_TAU = 1e-12
# Most variables the primal-dual active-set method adds to its guess per iteration, as a
# fraction of the guess (see _primal_dual_active_set). Measured on the benchmark's problem
# (bench_svm_plus.py, n = 2,000 and 5,000): adding every candidate at once overshoots (the
# next solution drops hundreds of variables, each time a new factorisation); 0.1 needs
# 35-43 % fewer Cholesky flops in as many iterations; 0.05 and less need more iterations.
_ADD_FRACTION = 0.1
# Kernel entries per block of rows when the packed Hessian is built: an RBF block stays in
# a 256 kB cache through its elementwise passes.
_BLOCK_ENTRIES = 16384


# From this size on, _empty maps fresh pages itself (see there). Smaller matrices keep
# numpy's huge pages: measured at n = 2,000 (32 MB kernels), those were faster.
_MAPPED_BYTES = 32 * 2**20
# Pre-fault a new mapping in one system call (Linux): about half the cost of faulting its
# pages one by one on first touch (measured 0.10-0.13 s against 0.22 s per 200 MB).
_MAP_FLAGS = getattr(mmap, "MAP_PRIVATE", 0) | getattr(mmap, "MAP_ANONYMOUS", 0)
_MAP_FLAGS |= getattr(mmap, "MAP_POPULATE", 0)


def _empty(shape: tuple[int, ...]) -> np.ndarray:
    """``np.empty(shape)`` (float64, C order) for the solver's large matrices.

    numpy asks Linux for transparent huge pages on large arrays; where memory is
    fragmented, the first touch of such an array then waits for the kernel to compact
    memory: measured 0.05-0.9 s per 200 MB matrix, more than computing an RBF kernel into
    it. Large buffers therefore come from an anonymous memory map of ordinary pages,
    pre-faulted where the platform allows (steady ~0.1 s per 200 MB), freed with the
    array; numpy's global setting is left alone. (tracemalloc does not see these
    buffers.)"""
    nbytes = 8 * int(np.prod(shape))
    if nbytes < _MAPPED_BYTES:
        return np.empty(shape)
    try:
        buf = mmap.mmap(-1, nbytes, flags=_MAP_FLAGS) if _MAP_FLAGS else mmap.mmap(-1, nbytes)
    except (OSError, ValueError):  # flags refused (not Linux): a plain anonymous map
        buf = mmap.mmap(-1, nbytes)
    return np.frombuffer(buf, dtype=np.float64).reshape(shape)


def _kernel(
    X: np.ndarray,
    Y: np.ndarray,
    kernel: str,
    gamma: float,
    degree: int,
    coef0: float,
) -> np.ndarray:
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
            stop = start + step
            _rbf_block(X[start:stop], Y, x_sq[start:stop], y_sq, gamma, out[start:stop])
        return out
    return pairwise_kernels(
        X, Y, metric=kernel, filter_params=True, gamma=gamma, degree=degree, coef0=coef0
    )


def _rbf_block(
    X: np.ndarray,
    Y: np.ndarray,
    x_sq: np.ndarray,
    y_sq: np.ndarray,
    gamma: float,
    out: np.ndarray,
) -> np.ndarray:
    """``exp(-gamma |X_i - Y_j|^2)`` into the C-contiguous ``out`` (a few rows: the passes
    below then run in cache)."""
    np.dot(X, Y.T, out=out)
    out *= -2.0
    out += x_sq[:, None]
    out += y_sq
    np.maximum(out, 0.0, out=out)
    out *= -gamma
    np.exp(out, out=out)
    return out


class _KernelRows:
    """Blocks of rows of the kernel matrix ``k(X, X)``: ``rows(start, stop, n_cols)`` is
    ``k(X[start:stop], X[:n_cols])``, computed into a reused buffer (valid until the next
    call), so that no n x n kernel matrix is ever held."""

    def __init__(
        self,
        X: np.ndarray,
        kernel: str,
        gamma: float,
        degree: int,
        coef0: float,
        max_rows: int,
    ) -> None:
        self.X, self.kernel, self.gamma = X, kernel, gamma
        self.degree, self.coef0 = degree, coef0
        self.sq: Any = np.einsum("ij,ij->i", X, X) if kernel == "rbf" else None
        self.buf = np.empty(max_rows * X.shape[0])

    def rows(self, start: int, stop: int, n_cols: int) -> np.ndarray:
        X = self.X
        # np.dot writes only into a C-contiguous output: a prefix of the flat buffer.
        out = self.buf[: (stop - start) * n_cols].reshape(stop - start, n_cols)
        if self.kernel == "rbf":
            return _rbf_block(
                X[start:stop], X[:n_cols], self.sq[start:stop], self.sq[:n_cols], self.gamma, out
            )
        if self.kernel == "linear":
            return np.dot(X[start:stop], X[:n_cols].T, out=out)
        out[...] = pairwise_kernels(
            X[start:stop], X[:n_cols], metric=self.kernel, filter_params=True,
            gamma=self.gamma, degree=self.degree, coef0=self.coef0,
        )
        return out


def _masked_argmin(values: np.ndarray, mask: np.ndarray) -> tuple[int, float]:
    """Index of the smallest value where ``mask`` holds (or -1) and that value."""
    masked = np.where(mask, values, np.inf)
    k = int(np.argmin(masked))
    return (k, masked[k]) if np.isfinite(masked[k]) else (-1, np.inf)


def _masked_argmax(values: np.ndarray, mask: np.ndarray) -> tuple[int, float]:
    masked = np.where(mask, values, -np.inf)
    k = int(np.argmax(masked))
    return (k, masked[k]) if np.isfinite(masked[k]) else (-1, -np.inf)


def _level(g: np.ndarray, free: np.ndarray, lo: float, hi: float) -> float:
    """KKT multiplier of one variable group: mean gradient over its free variables,
    else the midpoint of the feasible interval ``[hi, lo]`` (``hi`` = largest gradient of a
    positive variable, ``lo`` = smallest gradient)."""
    if np.any(free):
        return float(np.mean(g[free]))
    if np.isfinite(hi) and np.isfinite(lo):
        return 0.5 * (hi + lo)
    return float(lo if np.isfinite(lo) else hi)


def _submatrix(
    A: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """``A[np.ix_(rows, cols)]``, gathered row by row: several times faster than fancy
    indexing on both axes, without a ``len(rows) x n`` temporary. (``mode="clip"`` lets
    ``np.take`` write into ``out`` directly; the default mode buffers, twice as slow.)"""
    if out is None:
        out = _empty((rows.size, cols.size))
    if rows.size < 64 or cols.size < 64:
        out[...] = A[np.ix_(rows, cols)]  # thin blocks: one fancy gather beats a loop
        return out
    for k, i in enumerate(rows):
        A[i].take(cols, out=out[k], mode="clip")
    return out


class _PackedHessian:
    """The Hessian of the negative SVM+ dual, its two n x n blocks packed in one matrix.

    Between two alphas the Hessian is ``G_ij = y_i y_j K_ij + K*_ij / gamma``; between an
    alpha and a beta or two betas it is ``P_ij = K*_ij / gamma``. Both are symmetric, so
    one n x n buffer ``H`` holds ``G`` in its lower triangle and diagonal and ``P`` in its
    strict upper triangle (``diag(P)`` apart, in ``dP``): half the memory of two matrices,
    and products with either read half of ``H`` (``dsymv``). ``P_rowsum = P 1``.
    """

    def __init__(self, H: np.ndarray, dP: np.ndarray, P_rowsum: np.ndarray) -> None:
        self.H, self.dP, self.P_rowsum = H, dP, P_rowsum
        self.n = H.shape[0]
        self.dG = np.diag(H).copy()

    @classmethod
    def from_kernels(
        cls,
        K: np.ndarray,
        K_priv: np.ndarray,
        y: np.ndarray,
        gamma_priv: float,
        *,
        overwrite: bool = False,
    ) -> _PackedHessian:
        """Pack the Hessian of the problem with kernel matrices ``K`` and ``K_priv`` (with
        ``overwrite``, into the buffer of ``K``, whose contents are lost)."""
        n = y.shape[0]
        H = K if overwrite else _empty((n, n))
        dP = np.diag(K_priv) / gamma_priv
        P_rowsum = K_priv.sum(axis=1) / gamma_priv
        step = max(1, 4 * _BLOCK_ENTRIES // max(1, n))  # row blocks: no n x n temporaries
        upper = np.triu(np.ones((step, step), dtype=bool), 1)
        for start in range(0, n, step):
            stop = min(n, start + step)
            K_rows = K[start:stop, :stop]
            if not overwrite:
                K_rows = K_rows.copy()  # _pack_rows overwrites it
            P_rows = K_priv[start:stop] / gamma_priv
            cls._pack_rows(H, start, stop, K_rows, P_rows, y, upper)
        return cls(H, dP, P_rowsum)

    @classmethod
    def from_data(
        cls,
        X: np.ndarray,
        X_priv: np.ndarray,
        y: np.ndarray,
        gamma_priv: float,
        kernel: tuple[Any, ...],
        kernel_priv: tuple[Any, ...],
    ) -> _PackedHessian:
        """Pack the Hessian straight from the inputs, a few rows at a time; ``kernel`` and
        ``kernel_priv`` are ``(name, width, degree, coef0)``. Only the kernel entries the
        packed matrix needs are computed (the lower triangle of ``K``), and no kernel
        matrix is held."""
        n = y.shape[0]
        step = max(1, _BLOCK_ENTRIES // max(1, n))
        if "rbf" not in (kernel[0], kernel_priv[0]):
            # Kernels without elementwise passes: larger blocks, less per-call overhead.
            step = max(step, _BLOCK_ENTRIES // 64)
        # kernel, kernel_priv: (name, width, degree, coef0), the arguments before max_rows.
        rows_x = _KernelRows(X, *kernel, max_rows=step)  # type: ignore[misc]
        rows_p = _KernelRows(X_priv, *kernel_priv, max_rows=step)  # type: ignore[misc]
        H = _empty((n, n))
        dP = np.empty(n)
        P_rowsum = np.empty(n)
        upper = np.triu(np.ones((step, step), dtype=bool), 1)
        for start in range(0, n, step):
            stop = min(n, start + step)
            Pb = rows_p.rows(start, stop, n)
            Pb *= 1.0 / gamma_priv
            dP[start:stop] = Pb[np.arange(stop - start), np.arange(start, stop)]
            P_rowsum[start:stop] = Pb.sum(axis=1)
            cls._pack_rows(H, start, stop, rows_x.rows(start, stop, stop), Pb, y, upper)
        return cls(H, dP, P_rowsum)

    @staticmethod
    def _pack_rows(
        H: np.ndarray,
        start: int,
        stop: int,
        K_rows: np.ndarray,
        P_rows: np.ndarray,
        y: np.ndarray,
        upper: np.ndarray,
    ) -> None:
        """Rows ``start:stop`` of ``H`` from ``K_rows = K[start:stop, :stop]``
        (overwritten; it may be that part of ``H`` itself) and ``P_rows = P[start:stop]``;
        ``upper`` is a strict upper triangular mask at least ``stop - start`` wide."""
        m = stop - start
        K_rows *= y[start:stop, None]
        K_rows *= y[:stop]
        K_rows += P_rows[:, :stop]
        # The square block on the diagonal: G on and below it, P above it.
        upper = upper[:m, :m]
        K_rows[:, start:stop][upper] = P_rows[:, start:stop][upper]
        out = H[start:stop]
        if not np.shares_memory(out, K_rows):
            out[:, :stop] = K_rows
        out[:, stop:] = P_rows[:, stop:]

    def subset(self, idx: np.ndarray) -> _PackedHessian:
        """The packed Hessian of the problem restricted to the samples ``idx`` (sorted)."""
        H = _submatrix(self.H, idx, idx)
        sub = _PackedHessian(H, self.dP[idx].copy(), np.zeros(idx.size))
        sub.P_rowsum = sub.P_matvec(np.ones(idx.size))
        return sub

    def G_matvec(self, v: np.ndarray) -> np.ndarray:
        # H.T is Fortran-ordered, so BLAS reads H in place; its upper triangle is the lower
        # triangle of H.
        return dsymv(1.0, self.H.T, v, lower=0)

    def P_matvec(self, v: np.ndarray) -> np.ndarray:
        return dsymv(1.0, self.H.T, v, lower=1) + (self.dP - self.dG) * v

    def G_row(self, i: int) -> np.ndarray:
        row = np.empty(self.n)
        row[:i] = self.H[i, :i]
        row[i:] = self.H[i:, i]  # a column below the diagonal: G is symmetric
        return row

    def P_row(self, i: int) -> np.ndarray:
        row = np.empty(self.n)
        row[:i] = self.H[:i, i]
        row[i:] = self.H[i, i:]
        row[i] = self.dP[i]
        return row

    def G_entries(self, r: np.ndarray, c: np.ndarray) -> np.ndarray:
        """``G[np.ix_(r, c)]`` for sample indices ``r`` and ``c``."""
        H = self.H
        # G_ij sits at H[max(i, j), min(i, j)]: gather both orientations and pick.
        # (H's diagonal is diag(G).)
        return np.where(r[:, None] >= c[None, :], _submatrix(H, r, c), _submatrix(H, c, r).T)

    def P_entries(self, r: np.ndarray, c: np.ndarray) -> np.ndarray:
        """``P[np.ix_(r, c)]`` for sample indices ``r`` and ``c``."""
        H = self.H
        out = np.where(
            r[:, None] <= c[None, :], _submatrix(H, r, c), _submatrix(H, c, r).T
        )
        same = r[:, None] == c[None, :]
        if np.any(same):
            out[same] = np.broadcast_to(self.dP[r][:, None], same.shape)[same]
        return out

    def block(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """The Hessian block of the variables ``rows`` x ``cols``, numbered ``0..n-1``
        (alpha) and ``n..2n-1`` (beta)."""
        n = self.n
        r, c = rows % n, cols % n
        Q = self.G_entries(r, c)
        # Entries in a beta row or column are P_ij (betas are usually few).
        rb, cb = np.flatnonzero(rows >= n), np.flatnonzero(cols >= n)
        if rb.size:
            Q[rb] = self.P_entries(r[rb], c)
        if cb.size:
            Q[:, cb] = self.P_entries(r, c[cb])
        return Q

    def lower_block(self, ids: np.ndarray, out: np.ndarray) -> np.ndarray:
        """The lower triangle (with the diagonal) of ``block(ids, ids)`` into ``out``, for
        ``ids`` sorted (alphas, then betas); its strict upper triangle is left undefined.
        Half the gathering of the full block: row ``k`` of the alpha part is read from row
        ``ids[k]`` of ``H``'s lower triangle."""
        n, H = self.n, self.H
        na = int(np.searchsorted(ids, n))
        a = ids[:na]
        for k in range(na):
            H[a[k]].take(a[: k + 1], out=out[k, : k + 1], mode="clip")
        if na < ids.size:
            b = ids[na:] - n
            out[na:, :na] = self.P_entries(b, a)
            out[na:, na:] = self.P_entries(b, b)
        return out


class _State:
    """Iterate of the SVM+ dual with the cached products its gradient needs.

    The problem is held as a :class:`_PackedHessian` ``hess``; a row of ``K`` is
    ``y_i y * (G_i - P_i)``. ``f = K (y * alpha)`` and ``F = K* (alpha + beta - C) /
    gamma``; the gradients of the minimised negative dual are ``g_a = y * f + F - 1`` and
    ``g_b = F``.
    """

    def __init__(
        self,
        hess: _PackedHessian,
        y: np.ndarray,
        C: float,
        alpha: np.ndarray,
        beta: np.ndarray,
    ) -> None:
        self.hess, self.y, self.C = hess, y, C
        self.pos = y > 0
        self.neg = ~self.pos
        self.alpha, self.beta = alpha, beta
        self.P_rowsum = hess.P_rowsum
        self.refresh()

    def K_row(self, i: int) -> np.ndarray:
        return (self.y[i] * self.y) * (self.hess.G_row(i) - self.hess.P_row(i))

    def refresh(self) -> None:
        """Recompute the cached products from scratch (each product reads half the packed
        matrix)."""
        hess = self.hess
        if np.any(self.alpha):
            Pa = hess.P_matvec(self.alpha)
            # y * f = (G - P) alpha
            self.f = self.y * (hess.G_matvec(self.alpha) - Pa)
        else:
            Pa = np.zeros_like(self.alpha)
            self.f = np.zeros_like(self.alpha)
        Pb = hess.P_matvec(self.beta) if np.any(self.beta) else 0.0
        self.F = Pa + Pb - self.C * self.P_rowsum

    def gradients(self) -> tuple[np.ndarray, np.ndarray]:
        return self.y * self.f + self.F - 1.0, self.F

    def negative_dual(self) -> float:
        s = self.alpha + self.beta - self.C
        return -self.alpha.sum() + 0.5 * np.dot(self.y * self.alpha, self.f) + 0.5 * np.dot(
            s, self.F
        )

    def violation(self) -> float:
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


def _smo(state: _State, *, tol: float, max_iter: int) -> tuple[int, bool]:
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
    hess, y = state.hess, state.y
    pos, neg = state.pos, state.neg
    alpha, beta, f, F = state.alpha, state.beta, state.f, state.F
    diag_G, diag_P = hess.dG, hess.dP
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
                q_col = hess.P_row(j)
                q_diag = diag_P
            else:
                j = ip_hi if kind == 0 else in_hi
                group = pos if kind == 0 else neg
                g, var = g_a, alpha
                # Hessian column between alphas of the same label: G itself.
                q_col = hess.G_row(j)
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
            F += t * (hess.P_row(i) - hess.P_row(j))
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
        G_ij = hess.G_entries(idx[:2], idx[:2])
        P_ijk = hess.P_entries(idx, idx)
        curv = (G_ij[0, 0] - P_ijk[0, 0]) + (G_ij[1, 1] - P_ijk[1, 1])
        curv += 2.0 * (G_ij[0, 1] - P_ijk[0, 1])
        curv += coef @ P_ijk @ coef
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
        F += st * (hess.P_row(i) + hess.P_row(j) - 2.0 * hess.P_row(k))
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

    def __init__(self, state: _State) -> None:
        self.state = state
        self.n = state.y.shape[0]
        scale = float(np.max(state.hess.dG))
        # A tiny ridge keeps singular faces (low-rank kernels) solvable; the KKT check and
        # the SMO that follows absorb the resulting O(ridge) error.
        self.ridge = 1e-10 * max(1.0, scale)
        self.reset()

    def reset(self) -> None:
        self.ids = np.empty(0, dtype=int)
        self.L = np.empty((0, 0))

    def hessian(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        return self.state.hess.block(rows, cols)

    def factor(self, ids: np.ndarray) -> Any:
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


def _face_solution(
    state: _State,
    a_idx: np.ndarray,
    b_idx: np.ndarray,
    cache: _FaceCache | None = None,
) -> tuple[np.ndarray, np.ndarray, Any]:
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
    variables = np.concatenate([a_idx, n + b_idx])
    Q = state.hess.block(variables, variables)
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


def _active_set(state: _State, *, tol: float, max_solves: int = 100) -> int:
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


def _face_gradients(
    state: _State,
    a_idx: np.ndarray,
    u_a: np.ndarray,
    b_idx: np.ndarray,
    u_b: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Gradients ``(g_a, g_b)`` of the negative dual at the point that is ``u_a`` on
    ``a_idx``, ``u_b`` on ``b_idx`` and zero elsewhere (two passes over half the packed
    matrix, one more when a beta is free)."""
    n = state.y.shape[0]
    va = np.zeros(n)
    va[a_idx] = u_a
    vb = np.zeros(n)
    vb[b_idx] = u_b
    # g_a = G a + P b - C P 1 - 1 and g_b = P (a + b) - C P 1: together one pass over the
    # packed matrix (two half passes) when no beta is free.
    hess = state.hess
    base = (hess.P_matvec(vb) if b_idx.size else 0.0) - state.C * state.P_rowsum
    return hess.G_matvec(va) + base - 1.0, hess.P_matvec(va) + base


def _cholesky_inplace(Q: np.ndarray) -> np.ndarray:
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
    (``ids``; numbering as in :class:`_FaceCache`), sorted when it is built (alphas, then
    betas), so that the block is gathered from the packed Hessian's lower triangle alone
    (:meth:`_PackedHessian.lower_block`). For a new free set the solver keeps the leading
    block of ``L`` up to a cut, appends the free variables after the cut and the new ones
    (a block Cholesky step, ``O(m^2 k)`` for ``k`` of them), and holds the base variables
    before the cut that are no longer free at zero by extra equality constraints, solved
    through their Schur complement (``O(m^2 r)`` for ``r`` of them). The cut minimises
    the estimated cost; when even the best cut costs about as much as a new
    factorisation, the factor is rebuilt on the free set (``O(m^3 / 3)``).

    The factor lives in one of two workspaces that are reused across calls (a rebuild
    gathers into the factor's own workspace, an update assembles the new factor in the
    other one): a fresh m x m buffer per call would cost its page faults each time.
    """

    hessian: Any = _FaceCache.hessian  # the same rows/cols lookup (a plain function)

    def __init__(self, state: _State) -> None:
        self.state = state
        self.n = state.y.shape[0]
        # The same tiny ridge as _FaceCache (singular faces of low-rank kernels).
        self.ridge = 1e-10 * max(1.0, float(np.max(state.hess.dG)))
        self.work = [np.empty(0), np.empty(0)]
        self.reset()

    def reset(self) -> None:
        self.ids = np.empty(0, dtype=int)
        self.L: Any = np.empty((0, 0))  # None while a larger factor is built
        self.slot = 0  # the workspace holding L

    def _matrix(self, slot: int, m: int) -> np.ndarray:
        """An m x m C-ordered matrix in workspace ``slot`` (grown with some headroom)."""
        if self.work[slot].size < m * m:
            self.work[slot] = np.empty(0)  # free the old buffer first: peak memory
            cap = min(2 * self.n, int(1.15 * m) + 16)
            self.work[slot] = _empty((cap * cap,))
        return self.work[slot][: m * m].reshape(m, m)

    def _block(self, ids: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Lower triangle of the (ridged) Hessian block on the sorted ``ids``."""
        Q = self.state.hess.lower_block(ids, out)
        Q[np.diag_indices(ids.size)] += self.ridge
        return Q

    def _update(self, S: np.ndarray) -> None:
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
            S = np.sort(S)
            # The old factor is not needed: the larger workspace takes the block.
            self.L = None
            self.slot = int(self.work[1].size > self.work[0].size)
            self.L = _cholesky_inplace(self._block(S, self._matrix(self.slot, S.size)))
            self.ids = S
            return
        j = int(cuts[best])
        # The appended variables in sorted order: their block is a lower_block.
        tail = np.sort(np.concatenate([ids[j:][~gone[j:]], new]))
        if tail.size:
            L11 = self.L[:j, :j]
            W = scipy.linalg.solve_triangular(
                L11, self.hessian(ids[:j], tail), lower=True, check_finite=False
            )
            # S22 - W^T W on the lower triangle (all the Cholesky reads): a symmetric
            # rank-j update, half the flops of the product. On the transposed
            # (Fortran-ordered) views, "upper" there is the lower triangle here.
            S22 = self._block(tail, np.empty((tail.size, tail.size)))
            S22 = dsyrk(-1.0, W.T, beta=1.0, c=S22.T, trans=0, lower=0, overwrite_c=1).T
            L22 = _cholesky_inplace(S22)
        # The new factor [[L11, 0], [W^T, L22]] goes to the other workspace.
        k = tail.size
        other = 1 - self.slot
        L = self._matrix(other, j + k)
        L[:j, :j] = self.L[:j, :j]
        if k:
            L[:j, j:] = 0.0
            L[j:, :j] = W.T
            L[j:, j:] = L22
        self.L, self.ids, self.slot = L, np.concatenate([ids[:j], tail]), other

    def solve(self, a_idx: np.ndarray, b_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, Any]:
        """The face solution, as :func:`_face_solution` returns it."""
        st, n = self.state, self.n
        S = np.concatenate([a_idx, n + b_idx])
        try:
            self._update(S)
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
            # With H = L L^T and Z = L^-1 [p, M]: M^T H^-1 M = Z_M^T Z_M, M^T H^-1 p =
            # Z_M^T Z_p and u = L^-T (Z_M kappa - Z_p). Only the forward solve has many
            # right-hand sides (one per held variable): half the flops of H^-1 [p, M].
            # U = L^T is Fortran-ordered when L is C-ordered (as built here): LAPACK then
            # reads it without a copy.
            U = self.L.T
            Z = scipy.linalg.solve_triangular(
                U, np.column_stack([p, M]), trans="T", lower=False, check_finite=False
            )
            Zp, ZM = Z[:, 0], Z[:, 1:]
            kappa = np.linalg.solve(ZM.T @ ZM, c + ZM.T @ Zp)
            u = scipy.linalg.solve_triangular(
                U, ZM @ kappa - Zp, lower=False, check_finite=False
            )
        except (scipy.linalg.LinAlgError, np.linalg.LinAlgError, ValueError):
            self.reset()  # numerically singular: solve this face directly
            return _face_solution(st, a_idx, b_idx)
        pos = np.empty(2 * n, dtype=int)
        pos[ids] = np.arange(m)
        return u[pos[a_idx]], u[pos[n + b_idx]], (kappa[0], kappa[1])


def _primal_dual_active_set(
    state: _State,
    a_free: np.ndarray,
    b_free: np.ndarray,
    *,
    tol: float,
    max_iter: int = 60,
) -> tuple[np.ndarray, np.ndarray, Any, int, bool]:
    """Primal-dual active-set iterations (Hintermueller, Ito & Kunisch, SIAM J. Optim.
    2003: a semismooth Newton method) for the SVM+ dual.

    Each iteration takes a guess of which variables are positive (``a_free``, ``b_free``;
    the others are zero), solves the equality-constrained problem on them exactly
    (:class:`_SchurFaceSolver`), and makes a new guess: the free variables that came out
    non-positive become zero, and the zero variables whose reduced gradient is below
    ``-tol / 2`` become free, the most negative first and at most ``_ADD_FRACTION`` of the
    guess's size per iteration (adding every candidate at once overshoots: the next
    solution then drops hundreds of variables, each time a new factorisation). When the
    guess repeats, the face solution is non-negative and satisfies the KKT conditions
    within ``tol / 2``. Unlike the primal active-set method
    (:func:`_active_set`), a guess may change by thousands of variables at once, so a
    handful of solves suffice from a good first guess; the iterates may be infeasible
    (negative) on the way, and convergence is not guaranteed for a non-M-matrix Hessian,
    so a repeated guess other than the last, or ``max_iter``, stops it.

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
        u_a, u_b, lam = solver.solve(a_idx, b_idx)
        l1, l2 = lam
        g_a, g_b = _face_gradients(state, a_idx, u_a, b_idx, u_b)
        alpha[:] = 0.0
        beta[:] = 0.0
        alpha[a_idx] = u_a
        beta[b_idx] = u_b
        # Zero variables with a negative reduced gradient join the guess, at most
        # _ADD_FRACTION of the guess's size at once (the most negative first).
        r = np.concatenate([np.where(a_free, np.inf, g_a - l1 * y - l2),
                            np.where(b_free, np.inf, g_b - l2)])
        add = np.flatnonzero(r < -0.5 * tol)
        cap = max(16, int(_ADD_FRACTION * (a_idx.size + b_idx.size)))
        if add.size > cap:
            add = add[np.argpartition(r[add], cap)[:cap]]
        new_a, new_b = alpha > 0, beta > 0
        new_a[add[add < n]] = True
        new_b[add[add >= n] - n] = True
        if np.array_equal(new_a, a_free) and np.array_equal(new_b, b_free):
            return alpha, beta, lam, it, True
        key = np.packbits(np.concatenate([new_a, new_b])).tobytes()
        if key in seen:
            return alpha, beta, lam, it, False
        seen.add(key)
        a_free, b_free = new_a, new_b
    return alpha, beta, lam, max_iter, False


def _initial_guess(
    hess: _PackedHessian,
    y: np.ndarray,
    C: float,
    tol: float,
    *,
    base: int = 400,
) -> tuple[np.ndarray, np.ndarray]:
    """First guess of the positive variables for :func:`_primal_dual_active_set`.

    The same problem is solved (recursively) on every fourth sample with ``C`` scaled by
    4, so that its primal ``1/2 |w|^2 + gamma/2 |w*|^2 + 4 C sum xi`` approximates the full
    one and its decision and correcting functions extend to all samples; the guess is the
    set of alphas whose extended reduced gradient is negative. Betas start at zero (the
    extension predicts them poorly; the first iteration adds those needed). Below
    ``4 * base`` samples every alpha starts free.

    Parameters
    ----------
    hess : _PackedHessian
    y : ndarray of shape (n,)
        Labels in {-1, +1}.
    C, tol : float

    Returns
    -------
    (a_free, b_free)
        Boolean masks of the alphas and betas guessed positive.
    """
    n = y.shape[0]
    sub = np.arange(0, n, 4)
    if n < 4 * base or np.unique(y[sub]).size < 2:
        return np.ones(n, dtype=bool), np.zeros(n, dtype=bool)
    C_sub = C * n / sub.size
    hess_s = hess.subset(sub)
    y_s = y[sub]
    a_free, b_free = _initial_guess(hess_s, y_s, C_sub, tol, base=base)
    st = _State(hess_s, y_s, C_sub, np.zeros(sub.size), np.zeros(sub.size))
    a_s, b_s, (l1, l2), _, _ = _primal_dual_active_set(st, a_free, b_free, tol=tol)
    del hess_s, st
    np.maximum(a_s, 0.0, out=a_s)
    np.maximum(b_s, 0.0, out=b_s)
    # The extended alpha gradient y f + F - 1 = (G - P) a + F - 1 = G a + P (b - C), by
    # whole-matrix products with vectors that are zero off the subsample (no row copies).
    v_a = np.zeros(n)
    v_a[sub] = a_s
    v_b = np.zeros(n)
    v_b[sub] = b_s - C_sub
    mu_a = hess.G_matvec(v_a) + hess.P_matvec(v_b) - 1.0 - l1 * y - l2
    a_free = mu_a < 0
    # On the subsample the reduced gradient of a positive alpha is zero up to rounding:
    # its sign says nothing there, the subsample's solution does.
    a_free[sub] = a_s > 0
    return a_free, np.zeros(n, dtype=bool)


def _make_feasible(
    alpha: np.ndarray,
    beta: np.ndarray,
    y: np.ndarray,
    C: float,
) -> tuple[np.ndarray, np.ndarray]:
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


def _set(
    state: _State,
    a_idx: np.ndarray,
    a_val: np.ndarray,
    b_idx: np.ndarray,
    b_val: np.ndarray,
) -> None:
    """Set the iterate to ``alpha[a_idx] = a_val``, ``beta[b_idx] = b_val``, zero elsewhere."""
    state.alpha[:] = 0.0
    state.beta[:] = 0.0
    state.alpha[a_idx] = a_val
    state.beta[b_idx] = b_val
    state.refresh()


def _solve_svm_plus_dual(
    K: np.ndarray,
    K_priv: np.ndarray,
    y: np.ndarray,
    *,
    C: float,
    gamma_priv: float,
    tol: float = 1e-3,
    max_iter: int | None = None,
    overwrite: bool = False,
) -> dict[str, Any]:
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
        Pack the solver's matrix (:class:`_PackedHessian`) into the buffer of ``K``, whose
        contents are lost.

    Returns
    -------
    dict with ``alpha``, ``beta``, ``intercept`` (b), ``intercept_priv`` (b*),
    ``slack`` (xi at the training points), ``dual_objective``, ``n_iter`` (face solves of
    the active-set phase plus SMO steps) and ``converged``.
    """
    y = y.astype(float)
    hess = _PackedHessian.from_kernels(K, K_priv, y, gamma_priv, overwrite=overwrite)
    return _solve_packed(hess, y, C=C, tol=tol, max_iter=max_iter)


def _solve_packed(
    hess: _PackedHessian,
    y: np.ndarray,
    *,
    C: float,
    tol: float,
    max_iter: int | None,
) -> dict[str, Any]:
    """:func:`_solve_svm_plus_dual` on a packed Hessian (labels ``y`` as floats)."""
    n = y.shape[0]
    if max_iter is None:
        max_iter = max(10_000, 100 * n)
    pos = y > 0
    state = _State(hess, y, C, np.zeros(n), np.zeros(n))
    # Newton steps on faces do the bulk of the work: SMO alone converges slowly here,
    # because the alphas of SVM+ have no upper bound, so many stay free, coupled through K
    # and K*. The primal-dual active-set method usually ends at the exact optimum; should
    # it stall, the (monotone) primal active-set method continues from a feasible point
    # near its last iterate. SMO then removes whatever KKT violation is left.
    a_free, b_free = _initial_guess(hess, y, C, tol)
    alpha, beta, _, rounds, ok = _primal_dual_active_set(state, a_free, b_free, tol=tol)
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


