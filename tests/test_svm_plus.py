"""Tests of SVMPlusClassifier (lupi_ts/kernel/_svm_plus.py, solver in _svm_plus_solver.py).

The reference solutions are computed here, independently of the estimator: the SVM+ dual
with scipy's SLSQP on small problems, the linear SVM+ primal with SLSQP, and scikit-learn's
SVC for the case without privileged data.
"""

from __future__ import annotations

import numpy as np
import pytest
import sklearn
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize
from sklearn.metrics.pairwise import linear_kernel, pairwise_kernels, rbf_kernel
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.utils.estimator_checks import parametrize_with_checks

from lupi_ts import SVMPlusClassifier
from lupi_ts.kernel import _svm_plus_solver as _solver
from lupi_ts.kernel._svm_plus_solver import _solve_svm_plus_dual


def _toy(n, seed, d=2, noise=0.8, label_noise=0.3):
    """x* decides the label (with a little label noise); x is a noisy view of x*."""
    rng = np.random.default_rng(seed)
    X_priv = rng.normal(size=(n, d))
    score = X_priv[:, 0] + 0.5 * X_priv[:, 1] + label_noise * rng.normal(size=n)
    y = np.where(score > 0, 1, -1)
    X = X_priv + rng.normal(scale=noise, size=X_priv.shape)
    return X, X_priv, y


def _scipy_dual(K, Kp, y, C, gamma):
    """The SVM+ dual solved by SLSQP; b and b* recovered from the KKT conditions."""
    n = y.shape[0]
    y = y.astype(float)

    def neg_dual(v):
        a, b = v[:n], v[n:]
        s = a + b - C
        ya = y * a
        return -(a.sum() - 0.5 * ya @ K @ ya - 0.5 / gamma * s @ Kp @ s)

    def grad(v):
        a, b = v[:n], v[n:]
        gs = Kp @ (a + b - C) / gamma
        return np.concatenate([-(1.0 - y * (K @ (y * a)) - gs), gs])

    A = np.vstack([np.concatenate([y, np.zeros(n)]), np.ones(2 * n)])
    c = np.array([0.0, n])
    scale = n * C  # SLSQP is solved for v / C with the objective divided by n C
    res = minimize(
        lambda u: neg_dual(C * u) / scale,
        np.concatenate([np.zeros(n), np.ones(n)]),
        jac=lambda u: grad(C * u) * C / scale,
        method="SLSQP",
        bounds=[(0, None)] * (2 * n),
        constraints=[{"type": "eq", "fun": lambda u: A @ u - c, "jac": lambda u: A}],
        options={"ftol": 1e-15, "maxiter": 5000},
    )
    # Status 8 is SLSQP stopping at the limit of machine precision; agreement is checked
    # by the callers either way.
    assert res.status in (0, 8), res.message
    assert np.allclose(A @ res.x, c) and res.x.min() >= -1e-10
    res.x = C * res.x
    res.fun = neg_dual(res.x)
    a, b = res.x[:n], res.x[n:]
    f = K @ (y * a)
    F = Kp @ (a + b - C) / gamma
    # beta_i > 0 means xi_i = F_i + b* = 0; alpha_i > 0 means y_i (f_i + b) = 1 - xi_i.
    thr = 1e-6 * n * C
    b_star = -np.mean(F[b > thr]) if np.any(b > thr) else None
    free = a > thr
    if b_star is None:
        # No active beta: b and b* from the free alphas of both labels (least squares).
        M = np.column_stack([y[free], np.ones(free.sum())])
        rhs = 1.0 - F[free] - y[free] * f[free]
        b_, b_star = np.linalg.lstsq(M, rhs, rcond=None)[0]
    else:
        b_ = np.mean(y[free] * (1.0 - F[free] - b_star) - f[free])
    return -res.fun, a, b, b_


@pytest.mark.parametrize(
    ("kernel", "C", "gamma_priv", "seed"),
    [("rbf", 1.0, 0.5, 0), ("rbf", 3.0, 2.0, 1), ("linear", 1.0, 1.0, 2)],
)
def test_dual_matches_scipy(kernel, C, gamma_priv, seed):
    # Linear SVM+ on overlapping classes often has the trivial optimum w = 0 (a linear
    # correcting function cannot shrink the slacks), so the linear case is nearly separable.
    X, X_priv, y = _toy(20, seed) if kernel == "rbf" else _toy(24, seed, noise=0.1, label_noise=0)
    if kernel == "rbf":
        K, Kp = rbf_kernel(X, gamma=0.5), rbf_kernel(X_priv, gamma=0.5)
    else:
        K, Kp = linear_kernel(X), linear_kernel(X_priv)
    ref_obj, ref_a, _, ref_b = _scipy_dual(K, Kp, y, C, gamma_priv)
    sol = _solve_svm_plus_dual(K, Kp, y, C=C, gamma_priv=gamma_priv, tol=1e-8)
    assert sol["converged"]
    assert abs(sol["dual_objective"] - ref_obj) <= 1e-5 * abs(ref_obj)
    # Decision values on the training points.
    ours = K @ (y * sol["alpha"]) + sol["intercept"]
    ref = K @ (y * ref_a) + ref_b
    assert np.max(np.abs(ours - ref)) <= 1e-5 * max(1.0, np.max(np.abs(ref)))


def test_estimator_matches_scipy_dual_on_new_points():
    X, X_priv, y = _toy(20, 3)
    X_test = _toy(30, 4)[0]
    clf = SVMPlusClassifier(C=2.0, gamma_priv=1.0, gamma=0.3, kernel_gamma_priv=0.7, tol=1e-8)
    clf.fit(X, y, X_priv=X_priv)
    K, Kp = rbf_kernel(X, gamma=0.3), rbf_kernel(X_priv, gamma=0.7)
    ref_obj, ref_a, _, ref_b = _scipy_dual(K, Kp, y, 2.0, 1.0)
    ref = rbf_kernel(X_test, X, gamma=0.3) @ (y * ref_a) + ref_b
    assert np.max(np.abs(clf.decision_function(X_test) - ref)) <= 1e-5 * np.max(np.abs(ref))
    assert abs(clf.dual_objective_[0] - ref_obj) <= 1e-5 * ref_obj


def test_linear_svm_plus_matches_primal_qp():
    """Strong duality: the dual solution gives the primal optimum of linear SVM+."""
    X, X_priv, y = _toy(30, 5, noise=0.1, label_noise=0)  # a non-trivial optimum (w != 0)
    C, gamma = 1.0, 2.0
    d, dp = X.shape[1], X_priv.shape[1]

    def split(v):
        return v[:d], v[d], v[d + 1 : d + 1 + dp], v[d + 1 + dp]

    def primal(v):
        w, _, ws, bs = split(v)
        return 0.5 * w @ w + 0.5 * gamma * ws @ ws + C * np.sum(X_priv @ ws + bs)

    def primal_grad(v):
        w, _, ws, _ = split(v)
        return np.concatenate([w, [0.0], gamma * ws + C * X_priv.sum(axis=0), [C * len(y)]])

    ones = np.ones((len(y), 1))
    # Constraints G v - h >= 0 with v = (w, b, w*, b*).
    G = np.vstack([
        np.hstack([y[:, None] * X, y[:, None], X_priv, ones]),
        np.hstack([np.zeros_like(X), np.zeros_like(ones), X_priv, ones]),
    ])
    h = np.concatenate([np.ones(len(y)), np.zeros(len(y))])
    v0 = np.zeros(d + dp + 2)
    v0[-1] = 1.0  # w = 0, xi = 1: feasible
    res = minimize(primal, v0, jac=primal_grad, method="SLSQP",
                   constraints=[{"type": "ineq", "fun": lambda v: G @ v - h, "jac": lambda v: G}],
                   options={"ftol": 1e-14, "maxiter": 2000})
    # Status 8 ("positive directional derivative") is SLSQP stopping at machine precision;
    # the objective and decision values are compared below either way.
    assert res.status in (0, 8), res.message
    assert np.all(G @ res.x - h >= -1e-8)
    w, b, _, _ = split(res.x)
    assert np.linalg.norm(w) > 0.1
    clf = SVMPlusClassifier(C=C, gamma_priv=gamma, kernel="linear", kernel_priv="linear",
                            tol=1e-9).fit(X, y, X_priv=X_priv)
    assert abs(clf.dual_objective_[0] - res.fun) <= 1e-5 * abs(res.fun)
    X_test = _toy(20, 6)[0]
    np.testing.assert_allclose(clf.decision_function(X_test), X_test @ w + b, atol=1e-4)


def test_solution_is_feasible_and_slacks_nonnegative():
    X, X_priv, y = _toy(120, 7)
    clf = SVMPlusClassifier(C=1.0, gamma_priv=0.5).fit(X, y, X_priv=X_priv)
    a, b = clf.alpha_[0], clf.beta_[0]
    ypm = np.where(y == clf.classes_[1], 1.0, -1.0)
    assert a.min() >= 0 and b.min() >= 0
    assert abs(a @ ypm) <= 1e-9 * a.sum()
    assert abs((a + b).sum() - 120 * 1.0) <= 1e-9 * 120
    assert clf.slack_[0].min() >= -2e-3  # xi(x*_i) >= 0 up to the KKT tolerance
    np.testing.assert_array_equal(clf.support_, np.flatnonzero(a > 0))
    np.testing.assert_allclose(clf.dual_coef_[0], (ypm * a)[clf.support_])


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(8, 40),
    seed=st.integers(0, 10_000),
    C=st.floats(0.05, 20.0),
    gamma_priv=st.floats(0.05, 20.0),
)
def test_kkt_and_feasibility_on_random_problems(n, seed, C, gamma_priv):
    X, X_priv, y = _toy(n, seed)
    y[0], y[1] = 1, -1  # both labels present
    K, Kp = rbf_kernel(X, gamma=0.5), linear_kernel(X_priv)
    sol = _solve_svm_plus_dual(K, Kp, y, C=C, gamma_priv=gamma_priv, tol=1e-6)
    assert sol["converged"]
    a, b = sol["alpha"], sol["beta"]
    assert a.min() >= 0 and b.min() >= 0
    assert abs(a @ y) <= 1e-8 * n * C
    assert abs((a + b).sum() - n * C) <= 1e-8 * n * C
    # KKT with the returned intercepts: margins and slacks.
    f = K @ (y * a) + sol["intercept"]
    xi = Kp @ (a + b - C) / gamma_priv + sol["intercept_priv"]
    scale = 1e-3 * max(1.0, np.abs(f).max())
    assert xi.min() >= -scale
    assert np.all(y * f >= 1 - xi - scale)



def _rbf_problem(n, seed):
    X, X_priv, y = _toy(n, seed)
    return rbf_kernel(X, gamma=0.5), rbf_kernel(X_priv, gamma=0.5), y.astype(float)


def test_schur_face_solver_matches_direct_face_solution():
    """The updated factor (cuts, appended blocks, variables held at zero, rebuilds) gives
    the same face solutions as a fresh dense solve, over a sequence of changing faces."""
    K, Kp, y = _rbf_problem(50, 20)
    n = y.shape[0]
    hess = _solver._PackedHessian.from_kernels(K, Kp, y, 0.7)
    state = _solver._State(hess, y, 1.0, np.zeros(n), np.zeros(n))
    solver = _solver._SchurFaceSolver(state)
    rng = np.random.default_rng(0)
    a_free = rng.random(n) < 0.5
    b_free = rng.random(n) < 0.2
    a_free[np.flatnonzero(y > 0)[0]] = a_free[np.flatnonzero(y < 0)[0]] = True
    for step in range(12):
        a_idx, b_idx = np.flatnonzero(a_free), np.flatnonzero(b_free)
        got = solver.solve(a_idx, b_idx)
        ref = _solver._face_solution(state, a_idx, b_idx)
        for g, r in zip(got[:2], ref[:2]):
            np.testing.assert_allclose(g, r, rtol=1e-7, atol=1e-7 * n)
        np.testing.assert_allclose(got[2], ref[2], rtol=1e-7, atol=1e-7)
        if solver.L.size:  # the factor lives in one of the two reused workspaces
            assert np.shares_memory(solver.L, solver.work[solver.slot])
        # Small changes (the cheap update paths) most of the time, a large one sometimes.
        flip = rng.random(n) < (0.5 if step % 5 == 4 else 0.05)
        a_free = a_free ^ flip
        b_free = b_free ^ (rng.random(n) < 0.05)
        a_free[np.flatnonzero(y > 0)[0]] = a_free[np.flatnonzero(y < 0)[0]] = True


def test_newton_phase_converges_on_its_own():
    K, Kp, y = _rbf_problem(24, 21)
    hess = _solver._PackedHessian.from_kernels(K, Kp, y, 1.0)
    state = _solver._State(hess, y, 1.0, np.zeros(24), np.zeros(24))
    a0, b0 = _solver._initial_guess(hess, y, 1.0, 1e-8)
    alpha, beta, _, solves, ok = _solver._primal_dual_active_set(state, a0, b0, tol=1e-8)
    assert ok and solves < 30
    assert alpha.min() >= 0 and beta.min() >= 0
    ref_obj = _scipy_dual(K, Kp, y, 1.0, 1.0)[0]
    state.alpha[:], state.beta[:] = alpha, beta
    state.refresh()
    assert abs(-state.negative_dual() - ref_obj) <= 1e-5 * abs(ref_obj)


def test_subsampled_first_guess_gives_the_same_optimum(monkeypatch):
    """The recursive first guess (every fourth sample, C scaled) only changes the path:
    forced on a small problem (two levels), the optimum is the one from scipy."""
    K, Kp, y = _rbf_problem(32, 22)
    ref_obj, ref_a, _, ref_b = _scipy_dual(K, Kp, y, 1.5, 0.8)
    guess = _solver._initial_guess
    calls = []

    def small_base(*args, base=400):
        calls.append(args[1].shape[0])  # (hess, y, C, tol)
        return guess(*args, base=2)

    monkeypatch.setattr(_solver, "_initial_guess", small_base)
    sol = _solve_svm_plus_dual(K, Kp, y, C=1.5, gamma_priv=0.8, tol=1e-8)
    assert calls[:2] == [32, 8]  # the subsampled level(s) ran
    assert sol["converged"]
    assert abs(sol["dual_objective"] - ref_obj) <= 1e-5 * abs(ref_obj)
    ours = K @ (y * sol["alpha"]) + sol["intercept"]
    ref = K @ (y * ref_a) + ref_b
    assert np.max(np.abs(ours - ref)) <= 1e-5 * max(1.0, np.max(np.abs(ref)))


def test_fallback_when_newton_phase_stalls(monkeypatch):
    """If the primal-dual active-set method stops early, the primal active-set method and
    SMO still reach the same optimum from a feasible point near its last iterate."""
    K, Kp, y = _rbf_problem(40, 23)
    ref = _solve_svm_plus_dual(K, Kp, y, C=1.0, gamma_priv=0.5, tol=1e-8)
    pdas = _solver._primal_dual_active_set
    monkeypatch.setattr(
        _solver,
        "_primal_dual_active_set",
        lambda state, a, b, *, tol: pdas(state, a, b, tol=tol, max_iter=1),
    )
    sol = _solve_svm_plus_dual(K, Kp, y, C=1.0, gamma_priv=0.5, tol=1e-8)
    assert sol["converged"]
    assert abs(sol["dual_objective"] - ref["dual_objective"]) <= 1e-6 * abs(
        ref["dual_objective"]
    )



def test_overwrite_reuses_kernel_buffers_with_the_same_result():
    K, Kp, y = _rbf_problem(30, 24)
    ref = _solve_svm_plus_dual(K, Kp, y, C=1.0, gamma_priv=0.5, tol=1e-8)
    K2, Kp2 = K.copy(), Kp.copy()
    sol = _solve_svm_plus_dual(K2, Kp2, y, C=1.0, gamma_priv=0.5, tol=1e-8, overwrite=True)
    np.testing.assert_allclose(sol["alpha"], ref["alpha"], rtol=1e-10, atol=1e-12)
    # K's buffer now holds the packed Hessian: G on and below the diagonal, P above it.
    G, P = K * np.outer(y, y) + Kp / 0.5, Kp / 0.5
    lower = np.tril(np.ones_like(K, dtype=bool))
    np.testing.assert_allclose(K2[lower], G[lower])
    np.testing.assert_allclose(K2[~lower], P[~lower])
    np.testing.assert_array_equal(Kp2, Kp)  # K_priv is only read


def test_submatrix_gathers_any_block():
    """Both gather paths (row by row, and fancy indexing for thin blocks)."""
    rng = np.random.default_rng(28)
    A = rng.normal(size=(150, 150))
    for rows, cols in [(130, 90), (130, 5), (3, 120), (1, 1)]:
        r, c = rng.choice(150, rows, replace=False), rng.choice(150, cols, replace=False)
        np.testing.assert_array_equal(_solver._submatrix(A, r, c), A[np.ix_(r, c)])


def _dense_blocks(K, Kp, y, gamma_priv):
    """The two Hessian blocks, computed directly: G between alphas, P elsewhere."""
    return K * np.outer(y, y) + Kp / gamma_priv, Kp / gamma_priv


@settings(max_examples=20, deadline=None)
@given(
    n=st.integers(2, 30),
    seed=st.integers(0, 10_000),
    kernels=st.sampled_from([("rbf", "rbf"), ("linear", "rbf"), ("poly", "sigmoid")]),
    block_entries=st.sampled_from([1, 7, 100, 16384]),
)
def test_packed_hessian_holds_both_blocks(n, seed, kernels, block_entries):
    """Packed from the inputs (in row blocks of any size) or from kernel matrices, the
    one matrix gives every entry, row, product and sub-block of G and P."""
    rng = np.random.default_rng(seed)
    X, X_priv = rng.normal(size=(n, 3)), rng.normal(size=(n, 2))
    y = np.where(rng.random(n) < 0.5, 1.0, -1.0)
    spec = {"rbf": ("rbf", 0.4, 3, 0.0), "linear": ("linear", None, 3, 0.0),
            "poly": ("poly", 0.3, 2, 1.0), "sigmoid": ("sigmoid", 0.2, 3, 0.5)}
    k, kp = spec[kernels[0]], spec[kernels[1]]
    K = pairwise_kernels(X, metric=k[0], filter_params=True, gamma=k[1], degree=k[2], coef0=k[3])
    Kp = pairwise_kernels(
        X_priv, metric=kp[0], filter_params=True, gamma=kp[1], degree=kp[2], coef0=kp[3]
    )
    G, P = _dense_blocks(K, Kp, y, 0.7)
    _solver._BLOCK_ENTRIES, saved = block_entries, _solver._BLOCK_ENTRIES
    try:
        from_data = _solver._PackedHessian.from_data(X, X_priv, y, 0.7, k, kp)
        from_kernels = _solver._PackedHessian.from_kernels(K, Kp, y, 0.7)
    finally:
        _solver._BLOCK_ENTRIES = saved
    lower = np.tril(np.ones((n, n), dtype=bool))
    v = rng.normal(size=n)
    idx = np.flatnonzero(rng.random(2 * n) < 0.6)
    if idx.size == 0:
        idx = np.array([0])
    dense = np.block([[G, P], [P, P]])  # the Hessian on (alpha, beta)
    for hess in (from_data, from_kernels):
        np.testing.assert_allclose(hess.H[lower], G[lower], atol=1e-12)
        np.testing.assert_allclose(hess.H[~lower], P[~lower], atol=1e-12)
        np.testing.assert_allclose(hess.dP, np.diag(P), atol=1e-12)
        np.testing.assert_allclose(hess.P_rowsum, P.sum(axis=1), atol=1e-10)
        np.testing.assert_allclose(hess.G_matvec(v), G @ v, atol=1e-10)
        np.testing.assert_allclose(hess.P_matvec(v), P @ v, atol=1e-10)
        i = int(rng.integers(n))
        np.testing.assert_allclose(hess.G_row(i), G[i], atol=1e-12)
        np.testing.assert_allclose(hess.P_row(i), P[i], atol=1e-12)
        cols = rng.permutation(idx)
        np.testing.assert_allclose(hess.block(idx, cols), dense[np.ix_(idx, cols)], atol=1e-12)
        out = np.full((idx.size, idx.size), np.nan)
        got = hess.lower_block(idx, out)
        low = np.tril(np.ones_like(got, dtype=bool))
        np.testing.assert_allclose(got[low], dense[np.ix_(idx, idx)][low], atol=1e-12)
        sub = np.unique(idx % n)
        part = hess.subset(sub)
        np.testing.assert_allclose(part.G_matvec(v[sub]), G[np.ix_(sub, sub)] @ v[sub], atol=1e-10)
        np.testing.assert_allclose(part.P_rowsum, P[np.ix_(sub, sub)].sum(axis=1), atol=1e-10)


def test_estimator_packs_from_inputs_like_the_kernel_path():
    """The binary fit builds its Hessian straight from X and X_priv; the solution is the
    one solved from the kernel matrices."""
    X, X_priv, y = _toy(150, 26)
    clf = SVMPlusClassifier(C=1.0, gamma_priv=0.5, gamma=0.4, kernel_gamma_priv=0.6, tol=1e-8)
    clf.fit(X, y, X_priv=X_priv)
    ref = _solve_svm_plus_dual(
        rbf_kernel(X, gamma=0.4), rbf_kernel(X_priv, gamma=0.6), y, C=1.0, gamma_priv=0.5,
        tol=1e-8,
    )
    assert abs(clf.dual_objective_[0] - ref["dual_objective"]) <= 1e-9 * ref["dual_objective"]
    np.testing.assert_allclose(clf.alpha_[0], ref["alpha"], atol=1e-6)
    np.testing.assert_allclose(clf.intercept_[0], ref["intercept"], atol=1e-6)


def test_newton_phase_adds_a_bounded_batch_per_iteration(monkeypatch):
    """From a one-per-class first guess the guess grows by at most max(16, a tenth of its
    size) per iteration, and still ends at the optimum."""
    K, Kp, y = _rbf_problem(32, 27)
    n = y.shape[0]
    hess = _solver._PackedHessian.from_kernels(K, Kp, y, 1.0)
    state = _solver._State(hess, y, 1.0, np.zeros(n), np.zeros(n))
    sizes = []
    solve = _solver._SchurFaceSolver.solve

    def record(self, a_idx, b_idx):
        sizes.append(a_idx.size + b_idx.size)
        return solve(self, a_idx, b_idx)

    monkeypatch.setattr(_solver._SchurFaceSolver, "solve", record)
    a0 = np.zeros(n, dtype=bool)
    a0[[np.flatnonzero(y > 0)[0], np.flatnonzero(y < 0)[0]]] = True
    alpha, beta, _, _, ok = _solver._primal_dual_active_set(
        state, a0, np.zeros(n, dtype=bool), tol=1e-8
    )
    assert ok
    grow = np.diff(sizes)
    caps = np.maximum(16, (_solver._ADD_FRACTION * np.array(sizes[:-1])).astype(int))
    assert np.all(grow <= caps) and np.any(grow == caps)  # the cap was reached and held
    state.alpha[:], state.beta[:] = alpha, beta
    state.refresh()
    ref_obj = _scipy_dual(K, Kp, y, 1.0, 1.0)[0]
    assert abs(-state.negative_dual() - ref_obj) <= 1e-5 * abs(ref_obj)


def test_make_feasible():
    y = np.array([1.0, 1.0, -1.0, -1.0, 1.0])
    a, b = _solver._make_feasible(
        np.array([2.0, -1.0, 0.5, 0.3, 0.0]), np.array([0.0, 1.0, -2.0, 0.0, 0.0]), y, 1.0
    )
    assert a.min() >= 0 and b.min() >= 0
    assert abs(a @ y) < 1e-12 and abs(a.sum() + b.sum() - 5.0) < 1e-12

def test_without_privileged_data_equals_svc():
    X, _, y = _toy(150, 8)
    X_test = _toy(40, 9)[0]
    for kernel in ("rbf", "linear", "poly"):
        ours = SVMPlusClassifier(C=0.7, kernel=kernel, tol=1e-6).fit(X, y)
        ref = SVC(C=0.7, kernel=kernel, tol=1e-6).fit(X, y)
        np.testing.assert_allclose(
            ours.decision_function(X_test), ref.decision_function(X_test), atol=1e-6
        )
        assert ours.beta_ is None and ours.slack_ is None


def test_linear_kernel_gives_affine_decision():
    X, X_priv, y = _toy(80, 10)
    lin = SVMPlusClassifier(kernel="linear").fit(X, y, X_priv=X_priv)
    X_test = _toy(30, 11)[0]
    dec = lin.decision_function(X_test)
    w = lin.dual_coef_[0] @ lin.support_vectors_
    np.testing.assert_allclose(dec, X_test @ w + lin.intercept_[0], atol=1e-10)
    rbf = SVMPlusClassifier(kernel="rbf").fit(X, y, X_priv=X_priv)
    # The RBF decision is not affine: a least-squares affine fit leaves a residual.
    A = np.column_stack([X_test, np.ones(len(X_test))])
    dec_rbf = rbf.decision_function(X_test)
    resid = dec_rbf - A @ np.linalg.lstsq(A, dec_rbf, rcond=None)[0]
    assert np.abs(resid).max() > 1e-3


def test_small_gamma_priv_with_identity_like_kernel_approaches_svm():
    """With K* ~ I and gamma_priv -> 0 the dual forces alpha + beta = C, i.e. 0 <= alpha <= C:
    the SVM+ dual becomes the ordinary SVM dual."""
    X, X_priv, y = _toy(80, 12, noise=1.0)
    plus = SVMPlusClassifier(C=1.0, gamma_priv=1e-4, kernel_gamma_priv=1e4, tol=1e-6)
    plus.fit(X, y, X_priv=X_priv)
    svc = SVC(C=1.0, tol=1e-6).fit(X, y)
    X_test = _toy(50, 13, noise=1.0)[0]
    np.testing.assert_allclose(
        plus.decision_function(X_test), svc.decision_function(X_test), atol=2e-2
    )
    # ... whereas a flat correcting function (large gamma_priv) gives a different machine.
    flat = SVMPlusClassifier(C=1.0, gamma_priv=100.0).fit(X, y, X_priv=X_priv)
    assert np.abs(flat.decision_function(X_test) - svc.decision_function(X_test)).max() > 0.1


def test_multiclass_one_vs_rest():
    rng = np.random.default_rng(14)
    centers = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
    labels = np.repeat(["a", "b", "c"], 30)
    X_priv = centers[np.repeat([0, 1, 2], 30)] + rng.normal(scale=0.5, size=(90, 2))
    X = X_priv + rng.normal(scale=0.5, size=X_priv.shape)
    clf = SVMPlusClassifier(tol=1e-6).fit(X, labels, X_priv=X_priv)
    dec = clf.decision_function(X)
    assert dec.shape == (90, 3)
    assert clf.dual_coef_.shape[0] == 3
    for k, cls in enumerate(clf.classes_):
        binary = SVMPlusClassifier(tol=1e-6).fit(X, labels == cls, X_priv=X_priv)
        np.testing.assert_allclose(dec[:, k], binary.decision_function(X), atol=1e-8)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[np.argmax(dec, axis=1)])
    assert clf.score(X, labels) > 0.85


def test_deterministic():
    X, X_priv, y = _toy(100, 15)
    a = SVMPlusClassifier().fit(X, y, X_priv=X_priv)
    b = SVMPlusClassifier().fit(X, y, X_priv=X_priv)
    np.testing.assert_array_equal(a.alpha_, b.alpha_)
    np.testing.assert_array_equal(a.decision_function(X), b.decision_function(X))


def test_hayashi_sized_problem():
    """n ~ 100 windows, d up to 77, privileged d up to 22 (the experiment's tiny problems)."""
    rng = np.random.default_rng(16)
    X = rng.normal(size=(105, 77))
    X_priv = rng.normal(size=(105, 22))
    y = (X_priv[:, 0] + 0.3 * X[:, 0] > 0).astype(int)
    clf = SVMPlusClassifier().fit(X, y, X_priv=X_priv)
    assert clf.n_iter_[0] < 1000
    assert set(clf.predict(X)) <= {0, 1}


def test_grid_search_routes_x_priv():
    X, X_priv, y = _toy(90, 17)
    seen = []

    class Recording(SVMPlusClassifier):
        def fit(self, X, y, *, X_priv=None):
            seen.append(None if X_priv is None else X_priv.shape[0])
            return super().fit(X, y, X_priv=X_priv)

    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(StandardScaler(), Recording().set_fit_request(X_priv=True))
        gs = GridSearchCV(pipe, {"recording__C": [0.5, 2.0]}, cv=KFold(3))
        gs.fit(X, y, X_priv=X_priv)
    # 2 candidates x 3 folds on 60 training rows each, then the refit on all 90.
    assert sorted(seen) == [60] * 6 + [90]
    best = gs.best_estimator_[-1]
    assert best.beta_ is not None and best.alpha_.shape == (1, 90)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"C": 0.0}, "C"),
        ({"C": -1.0}, "C"),
        ({"gamma_priv": 0.0}, "gamma_priv"),
        ({"gamma_priv": np.nan}, "gamma_priv"),
        ({"gamma": -1.0}, "gamma"),
        ({"gamma": "wide"}, "gamma"),
        ({"kernel_gamma_priv": 0}, "kernel_gamma_priv"),
        ({"kernel": "cosine"}, "kernel"),
        ({"kernel_priv": "nope"}, "kernel_priv"),
        ({"degree": 0}, "degree"),
        ({"tol": 0.0}, "tol"),
        ({"max_iter": 0}, "max_iter"),
    ],
)
def test_bad_parameters(params, match):
    X, X_priv, y = _toy(30, 18)
    with pytest.raises(ValueError, match=match):
        SVMPlusClassifier(**params).fit(X, y, X_priv=X_priv)


def test_bad_inputs():
    X, X_priv, y = _toy(30, 19)
    with pytest.raises(ValueError, match="X_priv"):
        SVMPlusClassifier().fit(X, y, X_priv=X_priv[:-1])
    bad = X_priv.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="X_priv"):
        SVMPlusClassifier().fit(X, y, X_priv=bad)
    bad = X.copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="X"):
        SVMPlusClassifier().fit(bad, y, X_priv=X_priv)
    with pytest.raises(ValueError, match="one class"):
        SVMPlusClassifier().fit(X, np.ones(30), X_priv=X_priv)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        SVMPlusClassifier().fit(X, y[:-1], X_priv=X_priv)
    clf = SVMPlusClassifier().fit(X, y, X_priv=X_priv)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :1])


@parametrize_with_checks([SVMPlusClassifier(), SVMPlusClassifier(kernel="linear")])
def test_sklearn_compatible(estimator, check):
    # The checks call fit(X, y) without X_priv, so they exercise the ordinary-SVM path;
    # the SVM+ path is covered by the tests above. No expected failures.
    check(estimator)


def test_memory_mapped_buffers_give_the_same_solution(monkeypatch):
    """Large matrices come from anonymous memory maps (_empty); forced for every size,
    the kernel and the solution are those computed in ordinary numpy buffers."""
    K, Kp, y = _rbf_problem(40, 25)
    ref = _solve_svm_plus_dual(K, Kp, y, C=1.0, gamma_priv=0.5, tol=1e-8)
    monkeypatch.setattr(_solver, "_MAPPED_BYTES", 0)
    buf = _solver._empty((3, 4))
    assert buf.shape == (3, 4) and buf.dtype == np.float64 and buf.flags.writeable
    assert not buf.flags.owndata  # the memory map owns it, not numpy
    sol = _solve_svm_plus_dual(K, Kp, y, C=1.0, gamma_priv=0.5, tol=1e-8)
    np.testing.assert_allclose(sol["alpha"], ref["alpha"], rtol=1e-10, atol=1e-12)
    X = np.random.default_rng(0).normal(size=(7, 3))
    expected = np.exp(-0.3 * ((X[:, None] - X[None]) ** 2).sum(-1))
    np.testing.assert_allclose(_solver._kernel(X, X, "rbf", 0.3, 3, 0.0), expected, atol=1e-12)
