"""The privileged trajectory: validation of ``X_priv`` as time-ordered steps.

LuPTS (learning using privileged time series) reads the privileged inputs as a
trajectory ``x_1, ..., x_s`` of ``s`` steps with ``d`` features each, observed
between the deployable input ``x_0 = X`` and the outcome ``y``. Users pass it as a
3-D array ``(n, s, d)`` or flattened step-major ``(n, s * d)`` together with the
number of steps (the layout of :func:`lupi_ts.make_privileged_windows`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["check_trajectory"]


def check_trajectory(
    X_priv: npt.ArrayLike,
    n_samples: int,
    n_steps: int | None = None,
    *,
    dtype: npt.DTypeLike = np.float64,
    ensure_finite: bool = True,
) -> np.ndarray:
    """Return the privileged trajectory as a finite array of shape (n, s, d).

    Parameters
    ----------
    X_priv : array-like of shape (n_samples, n_steps, n_priv_features) or \
            (n_samples, n_steps * n_priv_features)
        The privileged steps in time order. A 2-D array is read step-major: the
        features of the first step, then those of the second, and so on.
    n_samples : int
        Number of rows of ``X``.
    n_steps : int or None, default=None
        Number of steps of a flattened (2-D) ``X_priv``; must agree with a 3-D one.
    dtype : dtype, default=float64
    ensure_finite : bool, default=True
        Raise on NaN or infinite values. A caller that reduces the trajectory to
        Gram matrices anyway can pass False and check those (NaN and inf propagate
        into them) at a fraction of the cost.

    Returns
    -------
    ndarray of shape (n_samples, n_steps, n_priv_features)

    Raises
    ------
    ValueError
        Wrong number of dimensions or rows, NaN/inf, a 2-D array without
        ``n_steps``, or a width that ``n_steps`` does not divide.

    Examples
    --------
    >>> import numpy as np
    >>> check_trajectory(np.arange(12.0).reshape(2, 6), 2, n_steps=3)[0]
    array([[0., 1.],
           [2., 3.],
           [4., 5.]])
    """
    try:
        traj = np.asarray(X_priv, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"X_priv must be a numeric array; got {exc}") from exc
    if traj.ndim == 2:
        if n_steps is None:
            raise ValueError(
                "X_priv is 2-D, so the number of privileged steps is ambiguous: pass "
                "n_steps (X_priv is read step-major, as make_privileged_windows lays it "
                f"out) or a 3-D array (n_samples, n_steps, n_features); got shape {traj.shape}."
            )
        if traj.shape[1] == 0 or traj.shape[1] % n_steps:
            raise ValueError(
                f"X_priv has {traj.shape[1]} columns, which n_steps={n_steps} does not divide "
                "into equal steps (expected n_steps * n_features columns)."
            )
        traj = traj.reshape(traj.shape[0], n_steps, traj.shape[1] // n_steps)
    elif traj.ndim == 3:
        if n_steps is not None and traj.shape[1] != n_steps:
            raise ValueError(f"X_priv has {traj.shape[1]} steps (axis 1) but n_steps={n_steps}.")
        if traj.shape[1] == 0 or traj.shape[2] == 0:
            raise ValueError(f"X_priv must have at least one step and feature; got {traj.shape}.")
    else:
        raise ValueError(
            "X_priv must be 3-D (n_samples, n_steps, n_features) or 2-D step-major "
            f"(n_samples, n_steps * n_features); got shape {traj.shape}."
        )
    if traj.shape[0] != n_samples:
        raise ValueError(
            f"X_priv must have the same number of rows as X ({n_samples}); "
            f"got {traj.shape[0]} rows."
        )
    if ensure_finite and not np.isfinite(traj).all():
        raise ValueError("X_priv contains NaN or infinite values; drop or impute them first.")
    return traj
