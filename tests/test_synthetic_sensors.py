"""make_sensor_anomalies: layout shared with fetch_skab, anomaly placement, structure."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lupi_ts.datasets import make_sensor_anomalies


@given(
    n_series=st.integers(1, 4),
    extra=st.integers(100, 300),
    n_train=st.integers(10, 200),
    seed=st.integers(0, 2**31 - 1),
)
@settings(max_examples=25, deadline=None)
def test_layout_and_one_contiguous_anomaly_after_training_rows(n_series, extra, n_train, seed):
    n_steps = n_train + extra
    data = make_sensor_anomalies(
        n_series=n_series, n_steps=n_steps, n_train=n_train, random_state=seed
    )
    assert data.names == list(data.files) == [f"run/{i}" for i in range(n_series)]
    assert list(data.sensors) == list(data.deployable) + list(data.privileged)
    previous_end = None
    for frame in data.files.values():
        # the fetch_skab layout: sensors (float64), then anomaly/changepoint (int64 0/1)
        assert list(frame.columns) == [*data.sensors, "anomaly", "changepoint"]
        assert isinstance(frame.index, pd.DatetimeIndex) and frame.index.is_monotonic_increasing
        assert (np.diff(frame.index) == pd.Timedelta("1s")).all()  # 1 s sampling
        assert frame.shape == (n_steps, len(data.sensors) + 2)
        assert (frame[list(data.sensors)].dtypes == np.float64).all()
        assert frame["anomaly"].dtype == np.int64 and frame["changepoint"].dtype == np.int64
        assert np.isfinite(frame[list(data.sensors)].to_numpy()).all()
        a = frame["anomaly"].to_numpy()
        assert a[:n_train].sum() == 0  # training rows are normal
        rise = np.flatnonzero(np.diff(np.concatenate([[0], a, [0]])) == 1)
        fall = np.flatnonzero(np.diff(np.concatenate([[0], a, [0]])) == -1)
        assert len(rise) == 1 and fall[0] - rise[0] >= 1  # exactly one contiguous run
        cp = np.flatnonzero(frame["changepoint"].to_numpy())
        assert cp[0] == rise[0]
        assert set(cp) <= {rise[0], fall[0]}
        if previous_end is not None:  # runs follow each other in time
            assert frame.index[0] > previous_end
        previous_end = frame.index[-1]


def test_same_seed_same_data_and_different_seed_differs():
    a = make_sensor_anomalies(n_series=2, n_steps=500, random_state=3)
    b = make_sensor_anomalies(n_series=2, n_steps=500, random_state=3)
    c = make_sensor_anomalies(n_series=2, n_steps=500, random_state=4)
    for k in a.names:
        pd.testing.assert_frame_equal(a.files[k], b.files[k])
        assert not np.allclose(a.files[k].iloc[:, :8], c.files[k].iloc[:, :8])


def test_privileged_sensors_carry_the_anomaly_more_clearly():
    # the known structure: standardised on the training rows, the shift shows
    # far more on privileged sensors than on deployable ones
    data = make_sensor_anomalies(
        n_series=6, n_steps=900, anomaly_types=("shift",), random_state=0
    )
    gaps = {"deployable": [], "privileged": []}
    for frame in data.files.values():
        ref = frame.iloc[:400]
        anomalous = frame[frame["anomaly"] == 1]
        for part in gaps:
            cols = list(getattr(data, part))
            z = (anomalous[cols] - ref[cols].mean()) / ref[cols].std()
            gaps[part].append(np.abs(z.mean()).max())
    assert np.mean(gaps["privileged"]) > 2 * np.mean(gaps["deployable"])


def _lag1_and_spread(frame, columns, n_train=400):
    """Per deployable sensor: lag-1 autocorrelation and sd of the normal rows."""
    x = frame[columns].to_numpy()[:n_train]
    lag1 = [np.corrcoef(x[:-1, j], x[1:, j])[0, 1] for j in range(x.shape[1])]
    return np.mean(lag1), np.log(x.std(axis=0)).mean()


def test_heterogeneity_makes_runs_differ_beyond_offsets_and_gains():
    # h = 0 leaves the random stream alone: the runs are those without the option
    plain = make_sensor_anomalies(n_series=3, n_steps=600, random_state=5)
    same = make_sensor_anomalies(n_series=3, n_steps=600, heterogeneity=0.0, random_state=5)
    for k in plain.names:
        pd.testing.assert_frame_equal(plain.files[k], same.files[k])
    # with h > 0 the normal rows' persistence and noise level spread far more across runs
    spread = {}
    for h in (0.0, 1.5):
        data = make_sensor_anomalies(n_series=16, n_steps=600, heterogeneity=h, random_state=1)
        stats = np.array([_lag1_and_spread(f, data.deployable) for f in data.files.values()])
        spread[h] = stats.std(axis=0)
    assert (spread[1.5] > 1.5 * spread[0.0]).all(), spread
    # and the layout is unchanged
    data = make_sensor_anomalies(n_series=2, n_steps=600, heterogeneity=2.0, random_state=0)
    assert all(np.isfinite(f[list(data.sensors)].to_numpy()).all() for f in data.files.values())


def test_anomaly_free_run_and_types():
    data = make_sensor_anomalies(n_series=5, n_steps=500, random_state=0)
    assert data.anomaly_types == ["shift", "drift", "decoupling", "vibration", "shift"]
    assert list(data.anomaly_free.columns) == list(data.sensors)
    assert "privileged" in data.DESCR


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_series": 0}, "n_series"),
        ({"n_steps": 450}, "n_steps"),
        ({"n_train": 5}, "n_train"),
        ({"anomaly_types": ("spike",)}, "unknown types"),
        ({"anomaly_types": "shift"}, "anomaly_types"),
        ({"magnitude": -1.0}, "magnitude"),
        ({"heterogeneity": -0.5}, "heterogeneity"),
        ({"heterogeneity": float("inf")}, "heterogeneity"),
        ({"start": "not a date"}, "start"),
    ],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_sensor_anomalies(**kwargs)
