"""The Mackey-Glass delay differential equation, integrated to 4th order.

The equation ``dx/dt = beta * x(t - tau) / (1 + x(t - tau)**n) - gamma * x(t)`` is
integrated with the classical Runge-Kutta scheme (RK4) on an internal grid of step
``h = tau / M`` (``M`` an integer), so every delayed grid value ``x(t - tau)`` is a
stored grid value and the derivative discontinuities that a history inconsistent with
the equation creates at ``t = 0, tau, 2 tau, ...`` fall on step boundaries. The RK4
stages also need the delayed value half a step off the grid; it comes from the cubic
Hermite interpolant of the stored values and derivatives, whose O(h^4) error keeps the
scheme 4th order (a value held constant across the stages would drop it to 1st order).

Speed: with ``x(t - tau)`` known, the equation is *linear* in ``x(t)`` over one delay
window ``[k tau, (k+1) tau]``. The RK4 steps of one window, together with the Hermite
midpoints, are therefore one fixed affine map of the previous window's values: one
matrix product per window instead of ``M`` Python-level steps. The arithmetic is the
same as stepping RK4 one step at a time, only regrouped.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from numbers import Integral, Real
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy.interpolate import CubicSpline
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from threadpoolctl import threadpool_limits

__all__ = ["mackey_glass"]

# Default internal step bound: with the default parameters the max abs error against a
# converged reference is ~7e-9 over the first 100 output time units (requirement: 1e-6),
# and halving the bound divides it by ~16.
_DEFAULT_MAX_STEP = 0.125
# A step that divides both ``tau`` and ``dt`` is used when it costs at most this factor
# more steps than the coarsest admissible step; otherwise samples come from the dense
# (cubic Hermite) output, which is accurate to the same order.
_MAX_ALIGN_COST = 4
_RANDOM_HISTORY_RANGE = (0.5, 1.5)
# RK4 is stable for x' = -gamma x while gamma * h < 2.78; stay clear of the edge.
_RK4_STABILITY = 2.5


def _check_param(value: Any, name: str, *, low: float, low_inclusive: bool) -> np.ndarray:
    """A scalar or 1-D array of finite reals, bounded below; returns a float64 array."""
    arr = np.asarray(value)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise ValueError(f"{name} must be a real number or a 1-D array of them, got {value!r}.")
    if arr.ndim > 1 or (arr.ndim == 1 and arr.size == 0):
        raise ValueError(
            f"{name} must be a scalar or a non-empty 1-D array (one value per series), "
            f"got shape {arr.shape}."
        )
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {value!r}.")
    bad = arr < low if low_inclusive else arr <= low
    if np.any(bad):
        op = ">=" if low_inclusive else ">"
        raise ValueError(f"{name} must be {op} {low}, got {value!r}.")
    return arr


def _internal_steps_per_delay(tau: float, dt: float, max_step: float) -> tuple[int, bool]:
    """Number ``M`` of RK4 steps per delay ``tau`` and whether ``h = tau / M`` divides ``dt``."""
    m_min = max(1, math.ceil(tau / max_step * (1 - 1e-12)))
    ratio = Fraction(dt / tau).limit_denominator(1000)
    if math.isclose(float(ratio), dt / tau, rel_tol=1e-12):
        q = ratio.denominator
        m = q * math.ceil(m_min / q)
        if m <= _MAX_ALIGN_COST * m_min:
            return m, True
    return m_min, False


def _rk4_linear_coefficients(gamma: float, h: float) -> tuple[float, float, float, float]:
    """RK4 for ``x' = D(t) - gamma x`` as ``x+ = R x + a0 D(t) + am D(t+h/2) + a1 D(t+h)``."""

    def step(x: float, d0: float, dm: float, d1: float) -> float:
        k1 = d0 - gamma * x
        k2 = dm - gamma * (x + 0.5 * h * k1)
        k3 = dm - gamma * (x + 0.5 * h * k2)
        k4 = d1 - gamma * (x + h * k3)
        return x + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)

    # The step is exactly linear in (x, d0, dm, d1): its coefficients are its values
    # at the unit vectors.
    return step(1.0, 0, 0, 0), step(0.0, 1, 0, 0), step(0.0, 0, 1, 0), step(0.0, 0, 0, 1)


def _window_map(m: int, h: float, gamma: float) -> tuple[np.ndarray, np.ndarray]:
    """Affine map from one delay window to the next on the half-step grid.

    Input: ``G`` (``2m + 1`` values ``beta g(x)`` on the previous window's half-step
    grid) and ``x0`` (the value at the window start). Output: the ``2m`` half-step values
    ``x(t0 + h/2), x(t0 + h), ..., x(t0 + m h)`` equal ``G @ A.T + b * x0``.
    """
    r, a0, am, a1 = _rk4_linear_coefficients(gamma, h)
    j = np.arange(m)
    # Step j's forcing: delayed values at the grid, half-step and next grid points.
    forcing = np.zeros((m, 2 * m + 1))
    forcing[j, 2 * j] = a0
    forcing[j, 2 * j + 1] = am
    forcing[j, 2 * j + 2] = a1
    lag = j[:, None] - j[None, :]
    propagate = np.where(lag >= 0, r ** np.maximum(lag, 0).astype(np.float64), 0.0)
    grid_g = propagate @ forcing  # x_1..x_m from G
    grid_x = r ** np.arange(1, m + 1, dtype=np.float64)  # x_1..x_m from x0
    all_g = np.vstack([np.zeros(2 * m + 1), grid_g])  # x_0..x_m
    all_x = np.concatenate([[1.0], grid_x])
    # Cubic Hermite midpoint: (x_k + x_{k+1})/2 + h/8 (f_k - f_{k+1}) with
    # f_k = G_k - gamma x_k (G_k the delayed forcing at grid point k).
    p, q, s = 0.5 - h * gamma / 8.0, 0.5 + h * gamma / 8.0, h / 8.0
    mid_g = p * all_g[:-1] + q * all_g[1:]
    mid_g[j, 2 * j] += s
    mid_g[j, 2 * j + 2] -= s
    mid_x = p * all_x[:-1] + q * all_x[1:]
    a = np.empty((2 * m, 2 * m + 1))
    b = np.empty(2 * m)
    a[0::2], a[1::2] = mid_g, grid_g
    b[0::2], b[1::2] = mid_x, grid_x
    return a, b


def _hill(x: np.ndarray, beta: Any, n: Any) -> np.ndarray:
    """``beta * x / (1 + x**n)`` (the delayed production term)."""
    out = np.power(x, n)
    out += 1.0
    np.divide(beta * x, out, out=out)
    return out


def _integrate(
    z: np.ndarray, m: int, h: float, beta: Any, gamma: Any, n: Any, n_steps: int
) -> None:
    """Fill ``z`` (rows, half-step grid from ``-tau``) in place for ``n_steps`` RK4 steps."""
    a, b = _window_map(m, h, gamma)
    # Shared parameters as Python floats: broadcasting (rows, 1) arrays costs more than
    # the arithmetic on one delay window.
    if np.all(beta == beta.flat[0]):
        beta = float(beta.flat[0])
    if np.all(n == n.flat[0]):
        n = float(n.flat[0])
    n_windows = -(-n_steps // m)
    # Small matrix products run fastest on one thread; several BLAS threads per product
    # only add synchronisation (and fight other processes for the cores).
    # Overflow is reported once, as a ValueError, by the caller's finiteness check.
    with threadpool_limits(limits=1, user_api="blas"), np.errstate(over="ignore", invalid="ignore"):
        if z.shape[0] == 1 and np.ndim(beta) == 0 and np.ndim(n) == 0:
            # One series: 1-D views and a matrix-vector product (the common, long case).
            z1 = z[0]
            for w in range(n_windows):
                s = 2 * m * w
                out = z1[s + 2 * m + 1 : s + 4 * m + 1]
                np.dot(a, _hill(z1[s : s + 2 * m + 1], beta, n), out=out)
                out += b * z1[s + 2 * m]
            return
        a_t = np.ascontiguousarray(a.T)
        for w in range(n_windows):
            s = 2 * m * w
            out = z[:, s + 2 * m + 1 : s + 4 * m + 1]
            np.matmul(_hill(z[:, s : s + 2 * m + 1], beta, n), a_t, out=out)
            out += b * z[:, s + 2 * m, None]


def _history_values(
    history: Any, times: np.ndarray, n_rows: int, dt: float, tau: float
) -> np.ndarray:
    """The history on ``times`` (all <= 0) as an array of shape (n_rows, len(times))."""
    if callable(history):
        vals = np.asarray(history(times.copy()), dtype=np.float64)
        if vals.shape not in {(times.size,), (1, times.size), (n_rows, times.size)}:
            raise ValueError(
                "history: a callable must return an array of shape (len(t),) or "
                f"(n_series, len(t)) = ({n_rows}, {times.size}), got shape {vals.shape}."
            )
    elif history.shape[-1] == 1:
        vals = history[..., :1]
    else:
        length = history.shape[-1]
        span = (length - 1) * dt
        if span < tau * (1 - 1e-12):
            raise ValueError(
                f"history: an array of {length} samples spaced dt={dt} covers "
                f"[{-span}, 0], shorter than the delay tau={tau}; give at least "
                f"{math.ceil(tau / dt) + 1} samples."
            )
        knots = dt * np.arange(-(length - 1), 1, dtype=np.float64)
        vals = CubicSpline(knots, history, axis=-1)(times)
    vals = np.broadcast_to(np.atleast_2d(vals), (n_rows, times.size))
    if not np.all(np.isfinite(vals)):
        raise ValueError("history must be finite for all t <= 0.")
    return vals


_POSITIVE = Interval(Real, 0, np.inf, closed="neither")
_NON_NEGATIVE = Interval(Real, 0, np.inf, closed="left")


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        # Per-series parameters: a scalar in range, or an array checked by _check_param.
        "tau": [_POSITIVE, "array-like"],
        "beta": [_NON_NEGATIVE, "array-like"],
        "gamma": [_NON_NEGATIVE, "array-like"],
        "n": [_POSITIVE, "array-like"],
        "dt": [_POSITIVE],
        "history": [Real, "array-like", callable, StrOptions({"random"})],
        "burn_in": [_NON_NEGATIVE, None],
        "n_series": [Interval(Integral, 1, None, closed="left"), None],
        "max_step": [_POSITIVE],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def mackey_glass(
    n_samples: int,
    *,
    tau: npt.ArrayLike = 17.0,
    beta: npt.ArrayLike = 0.2,
    gamma: npt.ArrayLike = 0.1,
    n: npt.ArrayLike = 10,
    dt: float = 1.0,
    history: npt.ArrayLike | Callable[[np.ndarray], npt.ArrayLike] | Literal["random"] = 1.2,
    burn_in: float | None = None,
    n_series: int | None = None,
    max_step: float = _DEFAULT_MAX_STEP,
    random_state: int | np.random.RandomState | None = None,
) -> np.ndarray:
    r"""Generate Mackey-Glass time series (one, or a batch at once).

    Integrates the delay differential equation of Mackey and Glass (1977)

    .. math::

        \frac{dx}{dt} = \beta \frac{x(t - \tau)}{1 + x(t - \tau)^n} - \gamma x(t),
        \qquad x(t) = \phi(t) \text{ for } t \le 0,

    and returns ``x(burn_in + i * dt)`` for ``i = 0, ..., n_samples - 1``.

    The scheme is classical RK4 on an internal grid whose step ``h = tau / M`` divides
    ``tau`` (so ``x(t - tau)`` is a grid value and the kinks at multiples of ``tau``
    fall on step boundaries) and, where that costs at most 4x more steps, also ``dt``.
    The delayed value half a step off the grid comes from cubic Hermite interpolation
    (4th order, like RK4), as do samples that fall between grid points. The global
    error is O(h^4): halving ``max_step`` divides it by about 16.

    Parameters
    ----------
    n_samples : int
        Number of samples per series, ``>= 1``.
    tau : float or array of shape (n_series,), default=17.0
        Delay, ``> 0``. ``tau=17`` gives the classic chaotic series.
    beta : float or array of shape (n_series,), default=0.2
        Production rate, ``>= 0``.
    gamma : float or array of shape (n_series,), default=0.1
        Decay rate, ``>= 0``.
    n : float or array of shape (n_series,), default=10
        Hill exponent, ``> 0``. A non-integer ``n`` needs a history ``>= 0``.
    dt : float, default=1.0
        Sampling interval of the output, ``> 0``.
    history : float, array, callable or "random", default=1.2
        The solution for ``t <= 0``:

        - a float: the constant history ``phi(t) = history``;
        - an array of shape ``(L,)`` or ``(n_series, L)``: samples of ``phi`` at
          ``t = -(L - 1) * dt, ..., -dt, 0`` (the last one is ``x(0)``), joined by a
          cubic spline; ``(L - 1) * dt >= tau`` is required, except that ``L == 1``
          means a constant;
        - a callable ``phi(t)``: called once per distinct ``tau`` with a 1-D float array
          of times in ``[-tau, 0]``; returns an array of shape ``(len(t),)`` or
          ``(n_series, len(t))``;
        - ``"random"``: a constant history per series drawn uniformly from
          ``[0.5, 1.5]`` with ``random_state``.

        All values must be finite.
    burn_in : float or None, default=None
        Time skipped before the first sample, ``>= 0``: sample ``i`` is
        ``x(burn_in + i * dt)``, so with ``burn_in=0`` the first sample is ``x(0)``
        (the history's value at 0). ``None`` means ``10 * tau`` (per series for an
        array ``tau``), ten delays, long enough for the transient from a constant
        history to settle onto the attractor.
    n_series : int or None, default=None
        Number of series when no array argument sets it (useful with
        ``history="random"``). ``None``: the broadcast length of the array arguments,
        or a single series.
    max_step : float, default=0.125
        Upper bound on the internal RK4 step, ``> 0``. With the default parameters and
        ``max_step=0.125`` (internal step 1/8), the max abs error over the first 100
        output time units is below 1e-8 (measured against a converged reference).
    random_state : int, RandomState instance or None, default=None
        Used only by ``history="random"``; everything else is deterministic.

    Returns
    -------
    x : ndarray of shape (n_samples,) or (n_series, n_samples)
        float64 samples. A batch (2-D output) is returned when any of ``tau``, ``beta``,
        ``gamma``, ``n`` is an array, ``history`` is a 2-D array (or a callable
        returning one), or ``n_series`` is given. Parameters broadcast against each
        other; series sharing ``tau`` and ``gamma`` are integrated together in one
        vectorised pass (distinct ``tau``/``gamma`` values are processed one group at
        a time).

    Raises
    ------
    ValueError
        If a parameter has the wrong type, is out of range or non-finite
        (:class:`~sklearn.utils._param_validation.InvalidParameterError`, a ValueError,
        for the scalar checks), the shapes do not broadcast, the history is too short or
        non-finite, or the integration overflows.

    Notes
    -----
    The work is one matrix product per delay window, i.e. about
    ``(burn_in + n_samples * dt) / tau`` products of size ``2M x (2M + 1)`` with
    ``M = tau / h`` (136 for the defaults): for the classic ``tau=17`` that is a few
    microseconds per time unit, but very short delays (``tau`` well below 1) need many
    small windows and are comparatively slow.

    References
    ----------
    M. C. Mackey and L. Glass, "Oscillation and chaos in physiological control
    systems", Science 197(4300), 287-289, 1977. doi:10.1126/science.267326

    Examples
    --------
    >>> from lupi_ts.datasets import mackey_glass
    >>> x = mackey_glass(500)
    >>> x.shape
    (500,)
    >>> float(mackey_glass(3, burn_in=0)[0])  # x(0) is the constant history
    1.2
    >>> mackey_glass(200, beta=[0.2, 0.25], history=[[1.0], [1.2]]).shape
    (2, 200)
    """
    # validate_params lets bools through as integers; True is a slip, not a count.
    for name, value in (("n_samples", n_samples), ("n_series", n_series)):
        if isinstance(value, (bool, np.bool_)):
            raise ValueError(f"{name} must be an integer, got {value!r}.")
    n_samples = int(n_samples)
    dt = float(dt)
    max_step = float(max_step)
    if burn_in is not None:
        burn_in = float(burn_in)
    if n_series is not None:
        n_series = int(n_series)
    params = {
        "tau": _check_param(tau, "tau", low=0, low_inclusive=False),
        "beta": _check_param(beta, "beta", low=0, low_inclusive=True),
        "gamma": _check_param(gamma, "gamma", low=0, low_inclusive=True),
        "n": _check_param(n, "n", low=0, low_inclusive=False),
    }
    batch = n_series is not None or any(p.ndim == 1 for p in params.values())
    lengths = {name: p.size for name, p in params.items() if p.ndim == 1}
    if n_series is not None:
        lengths["n_series"] = n_series

    # History: normalise to a callable, the string "random", or an array (rows, L).
    if isinstance(history, str):
        if history != "random":
            raise ValueError(
                f'history must be a number, an array, a callable or "random", got {history!r}.'
            )
    elif not callable(history):
        hist = np.asarray(history)
        if hist.dtype == bool or not np.issubdtype(hist.dtype, np.number) or np.iscomplexobj(hist):
            raise ValueError(
                f"history must be real numbers, a callable or 'random', got {history!r}."
            )
        if hist.ndim > 2 or hist.size == 0:
            raise ValueError(
                "history must be a scalar or a non-empty array of shape (L,) or "
                f"(n_series, L), got shape {hist.shape}."
            )
        hist = hist.astype(np.float64)
        if not np.all(np.isfinite(hist)):
            raise ValueError("history must be finite.")
        if hist.ndim == 2:
            batch = True
            lengths["history"] = hist.shape[0]
        history = hist.reshape(-1, hist.shape[-1] if hist.ndim else 1)
    else:
        probe = np.asarray(history(np.zeros(1)))
        if probe.ndim == 2:
            batch = True
            lengths["history"] = probe.shape[0]

    sizes = set(lengths.values()) - {1}
    if len(sizes) > 1 or (n_series is not None and sizes and sizes != {n_series}):
        raise ValueError(
            "tau, beta, gamma, n, history and n_series must broadcast to one number of "
            f"series; got lengths {lengths}."
        )
    rows = sizes.pop() if sizes else 1

    if isinstance(history, str):
        low, high = _RANDOM_HISTORY_RANGE
        history = check_random_state(random_state).uniform(low, high, size=(rows, 1))

    full = {name: np.broadcast_to(p, (rows,)) for name, p in params.items()}
    if not np.all(np.mod(full["n"], 1) == 0):
        # x**n is undefined for x < 0 and non-integer n: refuse rather than return NaN.
        check_times = np.linspace(-float(full["tau"].max()), 0.0, 257)
        if not callable(history) and np.any(history < 0):
            raise ValueError("history must be >= 0 when n is not an integer.")
        if callable(history) and np.any(
            _history_values(history, check_times, rows, dt, float(full["tau"].max())) < 0
        ):
            raise ValueError("history must be >= 0 when n is not an integer.")

    out = np.empty((rows, n_samples), dtype=np.float64)
    keys = np.stack([full["tau"], full["gamma"]], axis=1)
    for key in np.unique(keys, axis=0):
        idx = np.flatnonzero(np.all(keys == key, axis=1))
        tau_g, gamma_g = float(key[0]), float(key[1])
        start = 10.0 * tau_g if burn_in is None else burn_in
        m, aligned = _internal_steps_per_delay(tau_g, dt, max_step)
        h = tau_g / m
        if gamma_g * h > _RK4_STABILITY:
            raise ValueError(
                f"max_step={max_step} gives an internal step h={h:.4g} with gamma * h = "
                f"{gamma_g * h:.4g} > {_RK4_STABILITY}, beyond the stability of RK4; "
                f"lower max_step below {_RK4_STABILITY / gamma_g:.4g}."
            )
        t_end = start + (n_samples - 1) * dt
        # At least one step, so the dense output always has a grid interval to use.
        n_steps = max(1, math.ceil(t_end / h * (1 - 1e-12)))
        n_windows = -(-n_steps // m)
        # Half-step grid: z[:, j] = x(-tau + j * h / 2); the history fills j <= 2m.
        z = np.empty((idx.size, 2 * m * (n_windows + 1) + 1))
        hist_times = -tau_g + 0.5 * h * np.arange(2 * m + 1, dtype=np.float64)
        hist_times[-1] = 0.0  # exactly x(0), whatever the rounding of m * h
        z[:, : 2 * m + 1] = _history_values(history, hist_times, rows, dt, tau_g)[idx]
        beta_g = full["beta"][idx, None]
        n_g = full["n"][idx, None]
        _integrate(z, m, h, beta_g, gamma_g, n_g, n_steps)

        times = start + dt * np.arange(n_samples)
        pos = times / h
        k = np.rint(pos)
        if aligned and np.all(np.abs(pos - k) <= 1e-9 * np.maximum(1.0, pos)):
            out[idx] = z[:, 2 * m + 2 * k.astype(np.intp)]
        else:
            # Cubic Hermite dense output between grid points k and k + 1.
            k = np.clip(np.floor(pos).astype(np.intp), 0, n_steps - 1)
            theta = pos - k
            x0, x1 = z[:, 2 * m + 2 * k], z[:, 2 * m + 2 * k + 2]
            f0 = _hill(z[:, 2 * k], beta_g, n_g) - gamma_g * x0
            f1 = _hill(z[:, 2 * k + 2], beta_g, n_g) - gamma_g * x1
            h00 = (1 + 2 * theta) * (1 - theta) ** 2
            h10 = theta * (1 - theta) ** 2
            h01 = theta**2 * (3 - 2 * theta)
            h11 = theta**2 * (theta - 1)
            out[idx] = h00 * x0 + h * h10 * f0 + h01 * x1 + h * h11 * f1
    if not np.all(np.isfinite(out)):
        raise ValueError(
            "the integration overflowed (non-finite values); check beta, gamma, n and "
            "history, or lower max_step."
        )
    return out if batch else out[0]
