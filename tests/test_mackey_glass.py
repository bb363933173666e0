"""Tests for lupi_ts.datasets.mackey_glass.

Accuracy is checked against an independent reference: scipy's DOP853 (8th order,
tolerance 1e-13) applied by the method of steps, each delay interval solved as an ODE
whose delayed term is the previous interval's dense output. It shares no code with the
generator under test (which uses fixed-step RK4 with cubic Hermite interpolation).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from lupi_ts.datasets import mackey_glass

TAU, BETA, GAMMA, N = 17.0, 0.2, 0.1, 10


def reference_solution(t_end, *, history=1.2, tau=TAU, beta=BETA, gamma=GAMMA, n=N, rtol=1e-13):
    """Converged solution on [0, t_end] by the method of steps; returns x(t) for t >= 0."""
    phi = history if callable(history) else (lambda t: np.full_like(np.asarray(t, float), history))
    segments = []
    x_start = float(phi(np.zeros(1))[0])
    t0 = 0.0
    while t0 < t_end:
        delayed = phi if not segments else (lambda s, sol=segments[-1]: sol(s)[0])

        def rhs(t, x, delayed=delayed):
            d = float(np.asarray(delayed(np.atleast_1d(t - tau)))[0])
            return [beta * d / (1.0 + d**n) - gamma * x[0]]

        sol = solve_ivp(
            rhs,
            (t0, t0 + tau),
            [x_start],
            method="DOP853",
            rtol=rtol,
            atol=1e-15,
            dense_output=True,
        )
        assert sol.success
        segments.append(sol.sol)
        x_start = float(sol.y[0, -1])
        t0 += tau

    def evaluate(t):
        t = np.asarray(t, dtype=float)
        seg = np.minimum((t // tau).astype(int), len(segments) - 1)
        out = np.empty_like(t)
        for k in np.unique(seg):
            out[seg == k] = segments[k](t[seg == k])[0]
        return out

    return evaluate


@pytest.fixture(scope="module")
def reference():
    """Reference for the default parameters and constant history 1.2 on [0, 280]."""
    return reference_solution(10 * TAU + 110.0)


def test_reference_is_converged(reference):
    # The reference must be far more accurate than the 1e-6 it is used to check.
    looser = reference_solution(10 * TAU + 110.0, rtol=1e-11)
    t = np.linspace(0.0, 10 * TAU + 100.0, 2001)
    assert np.max(np.abs(reference(t) - looser(t))) < 1e-8


def test_default_accuracy_burn_in_zero(reference):
    x = mackey_glass(101, burn_in=0)
    err = np.max(np.abs(x - reference(np.arange(101.0))))
    assert err <= 1e-6


def test_default_settings_accuracy(reference):
    # Default burn-in is 10 * tau: sample i is x(170 + i).
    x = mackey_glass(101)
    err = np.max(np.abs(x - reference(10 * TAU + np.arange(101.0))))
    assert err <= 1e-6


@pytest.mark.parametrize(
    ("dt", "burn_in", "n_samples"),
    [(0.1, 0.0, 1001), (0.987, 3.3, 101), (2.5, 1.0, 41), (0.3, 0.25, 300)],
)
def test_accuracy_other_sampling(reference, dt, burn_in, n_samples):
    # Covers both the grid-aligned path and the Hermite dense output between grid points.
    x = mackey_glass(n_samples, dt=dt, burn_in=burn_in)
    t = burn_in + dt * np.arange(n_samples)
    assert np.max(np.abs(x - reference(t))) <= 1e-7


def test_fourth_order_convergence(reference):
    t = np.arange(101.0)
    errors = [
        np.max(np.abs(mackey_glass(101, burn_in=0, max_step=h) - reference(t)))
        for h in (0.5, 0.25, 0.125)
    ]
    ratios = np.array(errors[:-1]) / np.array(errors[1:])
    # Halving the step of a 4th-order scheme divides the error by 2**4 = 16.
    assert np.all((ratios > 13) & (ratios < 19)), ratios


def test_fourth_order_convergence_dense_output(reference):
    # Samples off the grid (dt not a multiple of the step) keep the order.
    t = 0.55 + 0.77 * np.arange(120)
    errors = [
        np.max(np.abs(mackey_glass(120, dt=0.77, burn_in=0.55, max_step=h) - reference(t)))
        for h in (1.0, 0.5)
    ]
    assert 10 < errors[0] / errors[1] < 22


def test_linear_decay_matches_exponential():
    # beta = 0: x' = -gamma x, solution x0 exp(-gamma t). RK4's relative error per step
    # is (gamma h)**5 / 120, about 6e-10 for h = 1/8: about 2.5e-7 after 392 steps.
    exact = 2.0 * np.exp(-0.3 * np.arange(50))
    x = mackey_glass(50, beta=0.0, gamma=0.3, burn_in=0, history=2.0)
    np.testing.assert_allclose(x, exact, rtol=5e-7, atol=0)
    coarse = mackey_glass(50, beta=0.0, gamma=0.3, burn_in=0, history=2.0, max_step=0.25)
    ratio = np.max(np.abs(coarse / exact - 1)) / np.max(np.abs(x / exact - 1))
    assert 14 < ratio < 18


def test_callable_history_accuracy():
    def phi(t):
        return 1.0 + 0.2 * np.sin(0.5 * np.asarray(t))

    ref = reference_solution(60.0, history=phi)
    x = mackey_glass(61, burn_in=0, history=phi)
    assert x[0] == phi(np.zeros(1))[0]
    assert np.max(np.abs(x - ref(np.arange(61.0)))) <= 1e-7


@pytest.mark.parametrize("history", [0.7, [0.5, 0.9, 1.3], "callable"])
def test_first_sample_is_history_at_zero(history):
    if history == "callable":
        x = mackey_glass(5, burn_in=0, tau=2.0, history=lambda t: 0.3 - np.asarray(t))
        assert x[0] == 0.3
    else:
        x = mackey_glass(5, burn_in=0, tau=2.0, history=history)
        assert x[0] == np.ravel(history)[-1]


def test_history_forms_agree():
    c = 0.9
    constant = mackey_glass(200, history=c)
    np.testing.assert_array_equal(mackey_glass(200, history=lambda t: np.full_like(t, c)), constant)
    np.testing.assert_array_equal(mackey_glass(200, history=[c]), constant)
    np.testing.assert_allclose(mackey_glass(200, history=np.full(18, c)), constant, atol=1e-13)


def test_array_history_is_cubic_spline():
    # A not-a-knot cubic spline reproduces a cubic exactly: the sampled and the
    # callable form of the same cubic history give the same series.
    def cubic(t):
        t = np.asarray(t, dtype=float)
        return 1.0 + 0.01 * t + 1e-3 * t**2 + 2e-5 * t**3

    samples = cubic(np.arange(-20.0, 1.0))
    from_array = mackey_glass(150, history=samples, burn_in=0)
    from_callable = mackey_glass(150, history=cubic, burn_in=0)
    np.testing.assert_allclose(from_array, from_callable, atol=1e-11)


def test_batch_equals_loop_of_singles():
    tau = np.array([17.0, 17.0, 30.0, 17.0])
    beta = np.array([0.2, 0.25, 0.2, 0.2])
    gamma = np.array([0.1, 0.1, 0.1, 0.12])
    n = np.array([10.0, 9.0, 10.0, 10.0])
    history = np.array([[1.2], [0.8], [1.0], [1.1]])
    batch = mackey_glass(300, tau=tau, beta=beta, gamma=gamma, n=n, history=history, dt=0.5)
    assert batch.shape == (4, 300)
    for i in range(4):
        single = mackey_glass(
            300, tau=tau[i], beta=beta[i], gamma=gamma[i], n=n[i], history=history[i, 0], dt=0.5
        )
        assert single.shape == (300,)
        np.testing.assert_allclose(batch[i], single, rtol=0, atol=1e-10)


def test_batch_2d_history_and_broadcasting():
    hist = np.array([[1.0] * 18, [1.3] * 18])
    batch = mackey_glass(100, history=hist, beta=0.22)
    assert batch.shape == (2, 100)
    np.testing.assert_allclose(batch[1], mackey_glass(100, history=1.3, beta=0.22), atol=1e-10)
    # A length-1 array parameter still asks for a batch.
    assert mackey_glass(10, tau=[17.0]).shape == (1, 10)
    # A callable returning one row per series sets the batch size.
    rows = mackey_glass(
        10, history=lambda t: np.stack([np.full_like(t, 1.0), np.full_like(t, 1.1)])
    )
    assert rows.shape == (2, 10)
    np.testing.assert_allclose(rows[0], mackey_glass(10, history=1.0), atol=1e-10)
    # ... also when the series fall into several (tau, gamma) groups.
    mixed = mackey_glass(
        10,
        tau=[17.0, 23.0],
        history=lambda t: np.stack([np.full_like(t, 1.0), np.full_like(t, 1.1)]),
    )
    np.testing.assert_allclose(mixed[1], mackey_glass(10, tau=23.0, history=1.1), atol=1e-10)


def test_output_dtype_and_shape():
    x = mackey_glass(7)
    assert x.dtype == np.float64 and x.shape == (7,)
    assert mackey_glass(1, burn_in=0, dt=0.37).tolist() == [1.2]


def test_random_history_is_seeded():
    a = mackey_glass(100, history="random", random_state=3)
    b = mackey_glass(100, history="random", random_state=3)
    c = mackey_glass(100, history="random", random_state=4)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    first = mackey_glass(3, history="random", random_state=0, burn_in=0)[0]
    assert 0.5 <= first <= 1.5
    batch = mackey_glass(50, history="random", n_series=5, random_state=0)
    assert batch.shape == (5, 50)
    assert len(np.unique(batch[:, 0])) == 5


def test_deterministic_without_randomness():
    np.testing.assert_array_equal(mackey_glass(300), mackey_glass(300, random_state=123))


@settings(max_examples=25, deadline=None)
@given(
    c=st.floats(0.05, 2.0),
    shift=st.integers(0, 40),
    burn=st.integers(0, 30),
    beta=st.floats(0.0, 0.5),
    gamma=st.floats(0.0, 0.5),
)
def test_time_shift_and_positivity(c, shift, burn, beta, gamma):
    kwargs = dict(tau=5.0, beta=beta, gamma=gamma, history=c)
    long = mackey_glass(60 + shift, burn_in=float(burn), **kwargs)
    later = mackey_glass(60, burn_in=float(burn + shift), **kwargs)
    # Same grid, same arithmetic: the later start is exactly a slice of the longer run.
    np.testing.assert_array_equal(later, long[shift:])
    # A positive history keeps the solution positive (x' >= -gamma x).
    assert np.all(long > 0)


@settings(max_examples=15, deadline=None)
@given(c=st.floats(0.1, 2.0), k=st.integers(1, 4))
def test_sampling_consistency(c, k):
    # Sampling k times finer, then keeping every k-th sample, gives the coarse series.
    coarse = mackey_glass(40, history=c, tau=6.0, burn_in=0)
    fine = mackey_glass(39 * k + 1, history=c, tau=6.0, dt=1.0 / k, burn_in=0)
    np.testing.assert_allclose(fine[::k], coarse, rtol=0, atol=1e-9)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_samples": 0}, ValueError, "n_samples"),
        ({"n_samples": 2.5}, ValueError, "n_samples"),
        ({"n_samples": True}, ValueError, "n_samples"),
        ({"tau": 0.0}, ValueError, "tau"),
        ({"tau": -3.0}, ValueError, "tau"),
        ({"tau": np.nan}, ValueError, "tau"),
        ({"tau": [17.0, -1.0]}, ValueError, "tau"),
        ({"tau": [[17.0]]}, ValueError, "tau"),
        ({"tau": "17"}, ValueError, "tau"),
        ({"tau": ["17"]}, ValueError, "tau"),
        ({"beta": -0.1}, ValueError, "beta"),
        ({"beta": np.inf}, ValueError, "beta"),
        ({"gamma": -0.1}, ValueError, "gamma"),
        ({"n": 0}, ValueError, "'n' parameter"),
        ({"dt": 0.0}, ValueError, "dt"),
        ({"dt": -1.0}, ValueError, "dt"),
        ({"dt": np.inf}, ValueError, "dt"),
        ({"burn_in": -1.0}, ValueError, "burn_in"),
        ({"burn_in": np.nan}, ValueError, "burn_in"),
        ({"max_step": 0.0}, ValueError, "max_step"),
        ({"n_series": 0}, ValueError, "n_series"),
        ({"n_series": True}, ValueError, "n_series"),
        ({"history": np.nan}, ValueError, "history"),
        ({"history": [1.0, np.inf]}, ValueError, "history"),
        ({"history": [1.0, 1.1, 1.2]}, ValueError, "history"),
        ({"history": np.ones((2, 2, 20))}, ValueError, "history"),
        ({"history": []}, ValueError, "history"),
        ({"history": "chaos"}, ValueError, "history"),
        ({"history": lambda t: np.full_like(t, np.nan)}, ValueError, "history"),
        ({"history": lambda t: np.ones(3)}, ValueError, "history"),
        ({"history": -0.5, "n": 2.5}, ValueError, "history"),
        ({"beta": [0.2, 0.3], "gamma": [0.1, 0.1, 0.1]}, ValueError, "broadcast"),
        ({"n_series": 3, "history": np.ones((2, 1))}, ValueError, "broadcast"),
        ({"n_series": 1, "beta": [0.2, 0.3]}, ValueError, "broadcast"),
        ({"gamma": 100.0, "max_step": 17.0}, ValueError, "max_step"),
        ({"history": 1e300, "beta": 1e10}, ValueError, "overflow"),
    ],
)
def test_bad_input(kwargs, error, match):
    kwargs = {"n_samples": 50, **kwargs}
    with pytest.raises(error, match=match):
        mackey_glass(kwargs.pop("n_samples"), **kwargs)
