"""Tests for lupi_ts._tasks (PAPER_TASKS, get_task, make_task_windows)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lupi_ts import PAPER_TASKS, get_task, make_task_windows, split_blocks
from lupi_ts._tasks import PM25_COLUMNS

# The paper's setup table (README of the shared data; Hayashi et al. 2019):
# name -> (student dim, teacher dim, k, sizes)
PAPER_TABLE = {
    "mackey-glass": (4, 2, 8, (100, 100, 10000)),
    "pm25-a": (33, 22, 15, (110, 100, 184)),
    "pm25-b": (77, 22, 15, (110, 100, 184)),
}
# name -> (baseline accuracy, distilled accuracy, imitation, privileged, temperature)
PAPER_RESULTS = {
    "mackey-glass": (0.971, 0.932, 0.25, "BAO", 1.0),
    "pm25-a": (0.679, 0.654, 0.5, "AI", 10.0),
    "pm25-b": (0.690, 0.716, 0.25, "BAO", 10.0),
}


def synthetic_pm25(n_steps=600, seed=0):
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2012-01-01", periods=n_steps, freq="h")
    frame = pd.DataFrame(
        rng.normal(size=(n_steps, len(PM25_COLUMNS))), index=idx, columns=list(PM25_COLUMNS)
    )
    frame["extra"] = 1.0  # columns outside the task are ignored
    return frame


def test_task_table():
    assert set(PAPER_TASKS) == set(PAPER_TABLE)
    for name, (dim, pdim, k, sizes) in PAPER_TABLE.items():
        task = get_task(name)
        assert task.name == name
        assert (task.input_dim, task.privileged_dim, task.horizon, task.sizes) == (
            dim,
            pdim,
            k,
            sizes,
        )
        base, dist, lam, priv, T = PAPER_RESULTS[name]
        assert task.reported_baseline.accuracy == base
        r = task.reported_distilled
        assert (r.accuracy, r.imitation, r.privileged, r.temperature) == (dist, lam, priv, T)
        assert task.source and "Hayashi" in task.reference
    with pytest.raises(TypeError):
        PAPER_TASKS["new"] = None


def test_get_task_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="mackey-glass.*pm25-a.*pm25-b"):
        get_task("pm10")


@pytest.mark.parametrize("name", ["pm25-a", "pm25-b"])
@pytest.mark.parametrize("privileged", ["AI", "M", "BAO"])
def test_synthetic_pm25_dimensions(name, privileged):
    dim, pdim, k, sizes = PAPER_TABLE[name]
    w = make_task_windows(name, privileged, data=synthetic_pm25())
    assert w.X.shape[1] == dim and w.X_priv.shape[1] == pdim and w.horizon == k
    assert w.target == "pm2.5" and "extra" not in w.columns
    assert w.priv_feature_names[0].startswith("pm2.5[t+")
    blocks = split_blocks(w, sizes, random_state=0)
    assert [len(b) for b in blocks] == list(sizes)


def test_synthetic_mackey_glass_dimensions():
    x = pd.Series(np.sin(np.arange(300) / 7.0), index=np.arange(1000, 1300))
    w = make_task_windows("mackey-glass", data=x)
    assert (w.X.shape[1], w.X_priv.shape[1], w.horizon) == (4, 2, 8)
    assert w.privileged_offsets == (7, 9)
    np.testing.assert_array_equal(w.times, w.t + 1000)
    w2 = make_task_windows("mackey-glass", "AI", data=x.to_numpy()[:, None])
    assert w2.privileged_offsets == (1, 2)


def test_real_data_dimensions():
    for name in ("pm25-a", "pm25-b"):
        dim, pdim, k, sizes = PAPER_TABLE[name]
        w = make_task_windows(name)
        assert (w.X.shape[1], w.X_priv.shape[1]) == (dim, pdim)
        assert len(w) > 40_000 and w.n_dropped > 0  # the raw data have NA gaps
        assert isinstance(w.times[0], np.datetime64)
        assert [len(b) for b in split_blocks(w, sizes, random_state=1)] == list(sizes)
    w = make_task_windows("mackey-glass", n_samples=300)
    assert (w.X.shape[1], w.X_priv.shape[1], len(w)) == (4, 2, 300 - 3 - 9)


def test_mackey_glass_default_fits_the_paper_sizes():
    w = make_task_windows("mackey-glass")
    assert len(w) > sum(PAPER_TABLE["mackey-glass"][3]) + 1000
    blocks = split_blocks(w, PAPER_TABLE["mackey-glass"][3], random_state=0)
    assert len(blocks[2]) == 10000


@pytest.mark.parametrize(
    "name, data, kwargs, match",
    [
        ("pm25-a", synthetic_pm25().drop(columns=["Iws"]), {}, "Iws"),
        ("pm25-a", np.ones((100, 11)), {}, "DataFrame"),
        ("mackey-glass", np.ones((100, 2)), {}, "univariate"),
        ("mackey-glass", np.ones(100), {"n_samples": 10}, "data_kwargs"),
        ("nope", None, {}, "name"),
    ],
)
def test_make_task_windows_bad_input(name, data, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_task_windows(name, data=data, **kwargs)


def test_task_name_of_the_wrong_type_is_an_invalid_parameter():
    from sklearn.utils._param_validation import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="'name' parameter of get_task"):
        get_task(3)
    with pytest.raises(InvalidParameterError, match="'data' parameter of make_task_windows"):
        make_task_windows("mackey-glass", data="series.csv")
