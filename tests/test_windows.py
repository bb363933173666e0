"""Tests for lupi_ts._windows (make_privileged_windows, PrivilegedWindows)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lupi_ts import PrivilegedWindows, make_privileged_windows
from lupi_ts._windows import privileged_offsets

SETTINGS = settings(max_examples=60, deadline=None)


@st.composite
def window_specs(draw):
    """(input_length, horizon, privileged, privileged_length, expected offsets or None)."""
    L = draw(st.integers(1, 6))
    k = draw(st.integers(2, 12))
    kind = draw(st.sampled_from(["AI", "M", "BAO", "custom"]))
    if kind == "BAO":
        m = 2 * draw(st.integers(1, min(3, k - 1)))
    elif kind == "custom":
        offsets = draw(
            st.lists(st.integers(1, k + 4).filter(lambda o: o != k), min_size=1, max_size=4)
        )
        offsets = sorted(set(offsets))
        return L, k, offsets, len(offsets), tuple(offsets)
    else:
        m = draw(st.integers(1, min(4, k - 1)))
    return L, k, kind, m, None


def expected_offsets(kind, m, k):
    """The issue's definitions, written independently of the implementation."""
    if kind == "AI":
        return tuple(range(1, m + 1))
    if kind == "BAO":
        return tuple(k - j for j in range(m // 2, 0, -1)) + tuple(
            k + j for j in range(1, m // 2 + 1)
        )
    return None  # M is checked by its defining properties instead


@given(spec=window_specs(), d=st.integers(1, 3), extra=st.integers(0, 15))
@SETTINGS
def test_every_offset_on_self_indexing_series(spec, d, extra):
    L, k, privileged, m, custom = spec
    # Column c at step s holds 1000 * c + s, so every value tells where it came from.
    name, offsets = privileged_offsets(privileged, m, k)
    n_steps = (L - 1) + max(k, max(offsets)) + 1 + extra
    values = 1000.0 * np.arange(d)[None, :] + np.arange(n_steps)[:, None]
    data = values[:, 0] if d == 1 else values
    w = make_privileged_windows(
        data, input_length=L, horizon=k, privileged=privileged, privileged_length=m
    )

    if custom is not None:
        assert w.privileged == "custom" and w.privileged_offsets == custom
    elif privileged == "M":
        off = np.array(w.privileged_offsets)
        assert len(off) == m and np.all(np.diff(off) == 1)
        assert off.min() >= 1 and off.max() <= k - 1
        # centred on t + k/2, ties towards the future
        assert off.mean() - k / 2 in (0.0, 0.5)
        if m == 2:
            assert tuple(off) == (k // 2, k // 2 + 1)
    else:
        assert w.privileged_offsets == expected_offsets(privileged, m, k)
    assert k not in w.privileged_offsets and min(w.privileged_offsets) > 0

    n = len(w)
    assert n == extra + 1 and w.n_dropped == 0
    assert w.input_offsets == tuple(range(-(L - 1), 1))
    assert w.lookback == L - 1 and w.lookahead == max(k, max(w.privileged_offsets))
    np.testing.assert_array_equal(w.t, np.arange(L - 1, L - 1 + n))
    np.testing.assert_array_equal(w.times, w.t)
    cols = 1000.0 * np.arange(d)
    Xs = w.X.reshape(n, L, d)
    for j, o in enumerate(w.input_offsets):
        np.testing.assert_array_equal(Xs[:, j, :], cols + (w.t + o)[:, None])
    P = w.X_priv.reshape(n, len(w.privileged_offsets), d)
    for j, o in enumerate(w.privileged_offsets):
        np.testing.assert_array_equal(P[:, j, :], cols + (w.t + o)[:, None])
    np.testing.assert_array_equal(w.y_value, w.t + k)
    np.testing.assert_array_equal(w.target_last, w.t)
    assert np.all(w.y == 1)  # increasing series
    assert w.X.dtype == np.float64 and w.X_priv.dtype == np.float64
    assert w.y.dtype == np.int64 and w.t.dtype == np.int64
    assert len(w.feature_names) == w.X.shape[1] and len(w.priv_feature_names) == w.X_priv.shape[1]


@given(
    values=st.lists(st.one_of(st.floats(-5, 5), st.just(float("nan"))), min_size=14, max_size=40),
    L=st.integers(1, 4),
    k=st.integers(3, 6),
    kind=st.sampled_from(["AI", "M", "BAO"]),
    second=st.booleans(),
)
@SETTINGS
def test_labels_and_nan_drops_match_brute_force(values, L, k, kind, second):
    x = np.array(values)
    # A second column with its own NaNs: it affects inputs and privileged steps only.
    other = np.where(np.arange(x.size) % 7 == 3, np.nan, 1.0) if second else None
    data = x if other is None else np.column_stack([x, other])
    _, offsets = privileged_offsets(kind, 2, k)
    lookahead = max(k, max(offsets))
    n_candidates = x.size - (L - 1) - lookahead
    assume(n_candidates >= 1)
    row_nan = np.isnan(data if data.ndim == 1 else data).reshape(x.size, -1).any(axis=1)
    kept, reasons = [], {"input": 0, "privileged": 0, "label": 0}
    for t in range(L - 1, L - 1 + n_candidates):
        bad_in = any(row_nan[t - j] for j in range(L))
        bad_pr = any(row_nan[t + o] for o in offsets)
        bad_lab = bool(np.isnan(x[t]) or np.isnan(x[t + k]))
        reasons["input"] += bad_in
        reasons["privileged"] += bad_pr
        reasons["label"] += bad_lab
        if not (bad_in or bad_pr or bad_lab):
            kept.append(t)
    if not kept:
        with pytest.raises(ValueError, match="NaN"):
            make_privileged_windows(data, input_length=L, horizon=k, privileged=kind)
        return
    w = make_privileged_windows(data, input_length=L, horizon=k, privileged=kind)
    np.testing.assert_array_equal(w.t, kept)
    assert w.n_dropped == n_candidates - len(kept)
    assert w.drop_reasons == reasons
    t = np.array(kept)
    np.testing.assert_array_equal(w.y, (x[t] <= x[t + k]).astype(int))
    np.testing.assert_array_equal(w.y_value, x[t + k])
    assert not np.isnan(w.X).any() and not np.isnan(w.X_priv).any()


def test_paper_default_offsets():
    assert privileged_offsets("AI", 2, 8) == ("AI", (1, 2))
    assert privileged_offsets("M", 2, 8) == ("M", (4, 5))
    assert privileged_offsets("BAO", 2, 8) == ("BAO", (7, 9))
    assert privileged_offsets("M", 2, 15) == ("M", (7, 8))
    assert privileged_offsets("bao", 2, 15) == ("BAO", (14, 16))


def test_dataframe_names_times_and_target():
    idx = pd.date_range("2014-01-01", periods=40, freq="h")
    df = pd.DataFrame(
        {"pm2.5": np.arange(40.0) % 5, "TEMP": np.arange(40.0), "flag": np.arange(40) % 2 == 0},
        index=idx,
    )
    w = make_privileged_windows(df, input_length=3, horizon=15, target="TEMP")
    assert w.target == "TEMP" and w.columns == ("pm2.5", "TEMP", "flag")
    assert w.feature_names[:3] == ("pm2.5[t-2]", "TEMP[t-2]", "flag[t-2]")
    assert w.feature_names[-3:] == ("pm2.5[t]", "TEMP[t]", "flag[t]")
    assert w.priv_feature_names == (
        "pm2.5[t+14]",
        "TEMP[t+14]",
        "flag[t+14]",
        "pm2.5[t+16]",
        "TEMP[t+16]",
        "flag[t+16]",
    )
    assert np.all(w.times == idx[w.t].to_numpy())
    np.testing.assert_array_equal(w.y_value, df["TEMP"].to_numpy()[w.t + 15])
    # default target: the first column
    w0 = make_privileged_windows(df, input_length=3, horizon=15)
    assert w0.target == "pm2.5"
    np.testing.assert_array_equal(w0.y, (df["pm2.5"].to_numpy()[w0.t] <= w0.y_value).astype(int))


def test_series_and_array_names():
    s = pd.Series(np.arange(30.0), name="load", index=np.arange(100, 130))
    w = make_privileged_windows(s, input_length=2, horizon=3, privileged="AI")
    assert w.feature_names == ("load[t-1]", "load[t]")
    np.testing.assert_array_equal(w.times, w.t + 100)
    w2 = make_privileged_windows(np.ones((30, 2)), input_length=1, horizon=3, target=1)
    assert w2.feature_names == ("x0[t]", "x1[t]") and w2.target == "x1"
    assert make_privileged_windows(np.ones(30), input_length=1, horizon=3).feature_names == (
        "x[t]",
    )


def test_subset_and_frozen():
    w = make_privileged_windows(np.sin(np.arange(60.0)), input_length=3, horizon=4)
    idx = np.array([5, 1, 7])
    s = w.subset(idx)
    assert isinstance(s, PrivilegedWindows) and len(s) == 3
    for name in ("X", "X_priv", "y", "y_value", "target_last", "t", "times"):
        np.testing.assert_array_equal(getattr(s, name), getattr(w, name)[idx])
    assert s.privileged_offsets == w.privileged_offsets and s.horizon == w.horizon
    mask = w.y == 1
    assert len(w.subset(mask)) == mask.sum()
    with pytest.raises(ValueError, match="indices"):
        w.subset(np.ones(3, dtype=bool))
    with pytest.raises(ValueError, match="indices"):
        w.subset([0.5])
    with pytest.raises(dataclasses.FrozenInstanceError):
        w.horizon = 3
    assert "n_windows=" in repr(w)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(input_length=0, horizon=3), "input_length"),
        (dict(input_length=2.5, horizon=3), "input_length"),
        (dict(input_length=2, horizon=0), "horizon"),
        (dict(input_length=2, horizon=-1), "horizon"),
        (dict(input_length=2, horizon=3, privileged="XYZ"), "privileged"),
        (dict(input_length=2, horizon=3, privileged_length=0), "privileged_length"),
        (dict(input_length=2, horizon=3, privileged="BAO", privileged_length=3), "even"),
        (dict(input_length=2, horizon=3, privileged="AI", privileged_length=3), "horizon"),
        (dict(input_length=2, horizon=3, privileged="M", privileged_length=3), "privileged_length"),
        (dict(input_length=2, horizon=3, privileged=[1, 3]), "leak"),
        (dict(input_length=2, horizon=3, privileged=[0, 1]), "> 0"),
        (dict(input_length=2, horizon=3, privileged=[-1, 1]), "> 0"),
        (dict(input_length=2, horizon=3, privileged=[1, 1]), "distinct"),
        (dict(input_length=2, horizon=3, privileged=[]), "at least one"),
        (dict(input_length=2, horizon=3, privileged=[1.5]), "integers"),
        (dict(input_length=2, horizon=3, target=5), "target"),
        (dict(input_length=2, horizon=3, target="a"), "target"),
        (dict(input_length=20, horizon=3), "too short"),
    ],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_privileged_windows(np.arange(20.0), **kwargs)


@pytest.mark.parametrize(
    "data, kwargs, match",
    [
        (np.array(["a", "b"] * 20), {}, "numeric"),
        (np.ones((5, 2, 2)), {}, "1-D or 2-D"),
        (np.ones((30, 0)), {}, "at least one column"),
        (np.array([1.0, np.inf] * 20), {}, "infinite"),
        (pd.DataFrame({"a": np.ones(30), "b": ["x"] * 30}), {}, "numeric"),
        (pd.DataFrame({"a": np.ones(30)}), {"target": "pm2.5"}, "target"),
        (np.full(30, np.nan), {}, "NaN"),
    ],
)
def test_bad_data(data, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_privileged_windows(data, input_length=2, horizon=3, **kwargs)
