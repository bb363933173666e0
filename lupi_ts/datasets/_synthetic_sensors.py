"""Generated multi-sensor runs with injected anomalies and known privileged structure.

A stand-in for SKAB that needs no download: the same Bunch layout as
:func:`lupi_ts.datasets.fetch_skab` (``files`` of DataFrames on a 1 s
DatetimeIndex with sensor columns plus ``anomaly`` and ``changepoint``), so
experiment code treats both the same.

Structure. Two latent process states ``h`` (AR(1), unit variance) drive every
sensor. The *privileged* sensors read ``h`` precisely (small noise); the
*deployable* sensors read it weakly through much more noise. Each run gets its
own offsets and gains (runs must be standardised on their own normal period).
One contiguous anomaly per run, after the first ``n_train`` rows:

- ``"shift"``: a step in one latent state (clear on privileged sensors, a small
  step on deployable ones);
- ``"drift"``: a ramp in a latent state;
- ``"decoupling"``: one privileged sensor stops following ``h`` (visible to a
  Q statistic on all sensors, only indirectly to deployable ones);
- ``"vibration"``: extra variance on the deployable sensors and a small step on
  one privileged sensor.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.utils import Bunch, check_random_state

from .._validation import check_int

__all__ = ["make_sensor_anomalies"]

DEPLOYABLE = ("vibration1", "vibration2", "current", "voltage")
PRIVILEGED = ("pressure", "temperature", "thermocouple", "flow")
ANOMALY_TYPES = ("shift", "drift", "decoupling", "vibration")

_DESCR = """\
Synthetic sensor anomalies (lupi-ts)
------------------------------------
Runs of 8 sensors sampled every second: 4 deployable ({dep}) and
4 privileged ({priv}). Two latent AR(1) states drive all sensors;
privileged sensors observe them with little noise, deployable sensors weakly
and noisily. Each run has one contiguous anomaly (types: {types}) after its
first {n_train} rows, which are normal. Columns: sensors, then "anomaly"
(0/1 per row) and "changepoint" (1 at the first anomalous row and at the first
normal row after it). Generated with random_state={seed!r}.
"""


def make_sensor_anomalies(
    n_series: int = 8,
    n_steps: int = 1000,
    *,
    n_train: int = 400,
    anomaly_types: Sequence[str] = ANOMALY_TYPES,
    magnitude: float = 1.0,
    heterogeneity: float = 0.0,
    start: str | pd.Timestamp = "2020-01-01 00:00:00",
    random_state: int | np.random.RandomState | None = None,
) -> Bunch:
    """Generate SKAB-like multi-sensor runs with one injected anomaly each.

    Parameters
    ----------
    n_series : int, default=8
        Number of runs (files).
    n_steps : int, default=1000
        Rows per run (1 s apart); must leave room for an anomaly after
        ``n_train``: ``n_steps >= n_train + 100``.
    n_train : int, default=400
        Leading normal rows of each run (SKAB's per-file training part).
    anomaly_types : sequence of str, default=("shift", "drift", "decoupling", "vibration")
        Types assigned to the runs in turn.
    magnitude : float, default=1.0
        Scales every injected anomaly.
    heterogeneity : float >= 0, default=0.0
        How much runs differ beyond offsets and gains, as installations or
        operating regimes do (SKAB's files): with ``h > 0`` each run draws its
        own latent persistence (AR coefficient ``0.9 + 0.06 h z``, clipped to
        [0.5, 0.99]), deployable noise level (``x exp(0.4 h z)``) and deployable
        sensitivity to the latent states (``x exp(0.4 h z)``), ``z`` standard
        normal per run. Window features standardised per run then spread
        differently from run to run, so a model learned across runs is on
        another scale in each. ``0`` draws nothing extra: the runs are those of
        earlier versions for the same ``random_state``.
    start : str, default="2020-01-01 00:00:00"
        Timestamp of the first row of the first run (runs follow each other).
    random_state : int, RandomState or None, default=None

    Returns
    -------
    Bunch
        ``files`` (dict name -> DataFrame, names "run/0", "run/1", ...),
        ``names`` (list, in order), ``sensors`` (deployable then privileged),
        ``deployable``, ``privileged``, ``anomaly_types`` (type of each run),
        ``anomaly_free`` (DataFrame of a normal run's sensors), ``path``
        (None) and ``DESCR``.

    Examples
    --------
    >>> data = make_sensor_anomalies(n_series=2, n_steps=600, random_state=0)
    >>> data.names
    ['run/0', 'run/1']
    >>> frame = data.files["run/0"]
    >>> list(frame.columns[-2:]), frame.shape
    (['anomaly', 'changepoint'], (600, 10))
    >>> int(frame["anomaly"][:400].sum())
    0
    """
    n_series = check_int(n_series, "n_series", 1)
    n_train = check_int(n_train, "n_train", 10)
    n_steps = check_int(n_steps, "n_steps", 1)
    if n_steps < n_train + 100:
        raise ValueError(
            f"n_steps must be >= n_train + 100 = {n_train + 100} to leave room for an "
            f"anomaly; got {n_steps}."
        )
    if isinstance(anomaly_types, str) or len(anomaly_types) == 0:
        raise ValueError(
            f"anomaly_types must be a non-empty sequence of {ANOMALY_TYPES}; got {anomaly_types!r}."
        )
    unknown = [t for t in anomaly_types if t not in ANOMALY_TYPES]
    if unknown:
        raise ValueError(f"anomaly_types contains unknown types {unknown}; known: {ANOMALY_TYPES}.")
    if isinstance(magnitude, bool) or not isinstance(magnitude, numbers.Real) or magnitude <= 0:
        raise ValueError(f"magnitude must be a positive number; got {magnitude!r}.")
    if (
        isinstance(heterogeneity, bool)
        or not isinstance(heterogeneity, numbers.Real)
        or not 0 <= heterogeneity < np.inf
    ):
        raise ValueError(f"heterogeneity must be a finite number >= 0; got {heterogeneity!r}.")
    try:
        t0 = pd.Timestamp(start)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"start must be a timestamp string; got {start!r}.") from exc
    rng = check_random_state(random_state)

    # fixed loadings: privileged sensors read the latent states precisely,
    # deployable ones weakly (the "known privileged structure")
    load_priv = np.array([[1.0, 0.2], [0.3, 1.0], [0.2, 0.9], [0.9, -0.4]])
    load_dep = 0.35 * np.array([[1.0, 0.3], [0.8, 0.5], [0.5, 0.8], [0.3, -0.6]])
    noise_priv, noise_dep = 0.15, 1.0

    def run(n: int, rs: np.random.RandomState, phi: float = 0.9) -> np.ndarray:
        h = np.zeros((n, 2))
        e = rs.normal(scale=np.sqrt(1 - phi**2), size=(n, 2))
        h[0] = rs.normal(size=2)
        for t in range(1, n):
            h[t] = phi * h[t - 1] + e[t]
        return h

    files, types = {}, []
    t_next = t0
    for i in range(n_series):
        kind = anomaly_types[i % len(anomaly_types)]
        phi, noise_run, gain_run = 0.9, noise_dep, 1.0
        if heterogeneity > 0:  # drawn only then: h = 0 keeps the random stream unchanged
            z = rng.normal(size=3)
            phi = float(np.clip(0.9 + 0.06 * heterogeneity * z[0], 0.5, 0.99))
            noise_run = noise_dep * float(np.exp(0.4 * heterogeneity * z[1]))
            gain_run = float(np.exp(0.4 * heterogeneity * z[2]))
        h = run(n_steps, rng, phi)
        length = int(rng.randint(80, max(81, min(300, n_steps - n_train - 20))))
        begin = int(rng.randint(n_train + 10, n_steps - length + 1))
        seg = slice(begin, begin + length)
        ramp = np.linspace(0.0, 1.0, length)
        h_anom = h.copy()
        extra_dep = np.zeros((n_steps, len(DEPLOYABLE)))
        extra_priv = np.zeros((n_steps, len(PRIVILEGED)))
        if kind == "shift":
            h_anom[seg, int(rng.randint(2))] += 5.0 * magnitude
        elif kind == "drift":
            h_anom[seg, int(rng.randint(2))] += 7.0 * magnitude * ramp
        elif kind == "decoupling":
            k = int(rng.randint(len(PRIVILEGED)))
            extra_priv[seg, k] = (
                -load_priv[k] @ h[seg].T
                + 1.5 * magnitude * rng.normal(scale=0.3, size=length).cumsum().clip(-3, 3) / 3
                + 2.0 * magnitude
            )
        else:  # vibration
            extra_dep[seg] = rng.normal(scale=1.5 * magnitude, size=(length, len(DEPLOYABLE)))
            extra_priv[seg, int(rng.randint(len(PRIVILEGED)))] += 2.0 * magnitude
        priv = h_anom @ load_priv.T + extra_priv
        priv += rng.normal(scale=noise_priv, size=priv.shape)
        dep = gain_run * (h_anom @ load_dep.T) + extra_dep
        dep += rng.normal(scale=noise_run, size=dep.shape)
        # per-run offsets and gains: runs differ like SKAB's files do
        priv = priv * rng.uniform(0.8, 1.25, size=4) + rng.normal(scale=2.0, size=4)
        dep = dep * rng.uniform(0.8, 1.25, size=4) + rng.normal(scale=2.0, size=4)
        anomaly = np.zeros(n_steps, dtype=np.int64)
        anomaly[seg] = 1
        changepoint = np.zeros(n_steps, dtype=np.int64)
        changepoint[begin] = 1
        if begin + length < n_steps:
            changepoint[begin + length] = 1
        index = pd.date_range(t_next, periods=n_steps, freq="s", name="datetime")
        t_next = index[-1] + pd.Timedelta(minutes=10)
        frame = pd.DataFrame(np.hstack([dep, priv]), index=index, columns=DEPLOYABLE + PRIVILEGED)
        frame["anomaly"] = anomaly
        frame["changepoint"] = changepoint
        files[f"run/{i}"] = frame
        types.append(kind)

    h = run(n_steps, rng)
    free = np.hstack(
        [
            h @ load_dep.T + rng.normal(scale=noise_dep, size=(n_steps, 4)),
            h @ load_priv.T + rng.normal(scale=noise_priv, size=(n_steps, 4)),
        ]
    )
    anomaly_free = pd.DataFrame(
        free,
        index=pd.date_range(t_next, periods=n_steps, freq="s", name="datetime"),
        columns=DEPLOYABLE + PRIVILEGED,
    )
    return Bunch(
        files=files,
        names=list(files),
        sensors=DEPLOYABLE + PRIVILEGED,
        deployable=list(DEPLOYABLE),
        privileged=list(PRIVILEGED),
        anomaly_types=types,
        anomaly_free=anomaly_free,
        path=None,
        DESCR=_DESCR.format(
            dep=", ".join(DEPLOYABLE),
            priv=", ".join(PRIVILEGED),
            types=", ".join(anomaly_types),
            n_train=n_train,
            seed=random_state,
        ),
    )
