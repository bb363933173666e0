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
    kept, reasons = [], {"input": 0, "privileged": 0, "label": 0, "boundary": 0}
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


# ---------------------------------------------------------------- panels, outcome, ALL
def _panel(lengths, d=2, seed=0):
    """Sequences whose value encodes (sequence, step): 10_000 * g + 100 * column + step."""
    return [
        10_000.0 * g + 100.0 * np.arange(d)[None, :] + np.arange(n)[:, None]
        for g, n in enumerate(lengths)
    ]


def test_nan_separators_leak_across_sequences_but_a_list_does_not():
    # Five sequences of exactly one window each (span L - 1 + lookahead + 1 = 7 steps).
    seqs = _panel([7] * 5, d=1)
    kw = dict(input_length=2, horizon=4, privileged=[1, 5])
    sep = np.full((1, 1), np.nan)
    glued = np.vstack([part for s in seqs for part in (s, sep)][:-1])
    leaky = make_privileged_windows(glued, **kw)
    # Windows that read no step of the NaN separator survive and mix two sequences.
    assert len(leaky) > 5
    mixed = (leaky.X // 10_000).min(axis=1) != (leaky.X_priv // 10_000).max(axis=1)
    assert mixed.any()

    w = make_privileged_windows(seqs, **kw)
    assert len(w) == 5 and w.drop_reasons["boundary"] == 4 * 6
    np.testing.assert_array_equal(w.group, np.arange(5))
    np.testing.assert_array_equal(w.times, np.ones(5))  # position of t within its sequence
    g = np.repeat(np.arange(5), 7)
    wg = make_privileged_windows(np.vstack(seqs), groups=g, **kw)
    assert len(wg) == 5 and wg.drop_reasons["boundary"] == 4 * 6
    for name in ("X", "X_priv", "y", "y_value", "t", "group"):
        np.testing.assert_array_equal(getattr(wg, name), getattr(w, name))


@given(
    lengths=st.lists(st.integers(1, 25), min_size=1, max_size=5),
    L=st.integers(1, 3),
    k=st.integers(2, 5),
    kind=st.sampled_from(["AI", "BAO", "ALL", [1, 3], [2, 7]]),
    shuffle_labels=st.booleans(),
)
@SETTINGS
def test_panel_equals_windows_of_each_sequence(lengths, L, k, kind, shuffle_labels):
    assume(not (isinstance(kind, list) and k in kind))
    seqs = _panel(lengths)
    m = 1 if kind == "AI" else 2
    kw = dict(input_length=L, horizon=k, privileged=kind, privileged_length=m)
    _, offsets = privileged_offsets(kind, m, k)
    span = L - 1 + max(k, max(offsets)) + 1
    if sum(lengths) < span:
        with pytest.raises(ValueError, match="too short"):
            make_privileged_windows(seqs, **kw)
        return
    if max(lengths) < span:
        with pytest.raises(ValueError, match="long enough"):
            make_privileged_windows(seqs, **kw)
        return
    w = make_privileged_windows(seqs, **kw)
    parts = [(g, make_privileged_windows(s, **kw)) for g, s in enumerate(seqs) if len(s) >= span]
    for name in ("X", "X_priv", "y", "y_value", "target_last"):
        np.testing.assert_array_equal(
            getattr(w, name), np.concatenate([getattr(p, name) for _, p in parts])
        )
    np.testing.assert_array_equal(w.group, np.concatenate([np.full(len(p), g) for g, p in parts]))
    np.testing.assert_array_equal(w.times, np.concatenate([p.t for _, p in parts]))
    # No window mixes sequences; t counts steps of the concatenation (strictly increasing).
    assert (w.group[:, None] == (w.X // 10_000)).all()
    assert ((w.X_priv // 10_000) == w.group[:, None]).all()
    assert np.all(np.diff(w.t) > 0)
    n_candidates = sum(lengths) - span + 1
    assert len(w) + w.drop_reasons["boundary"] == n_candidates
    # The same panel, concatenated, with group labels (any labels: runs define sequences).
    labels = np.arange(len(seqs))[::-1] * 7 if shuffle_labels else np.arange(len(seqs))
    wg = make_privileged_windows(np.vstack(seqs), groups=np.repeat(labels, lengths), **kw)
    np.testing.assert_array_equal(wg.X_priv, w.X_priv)
    np.testing.assert_array_equal(wg.group, labels[w.group])


def test_groups_are_runs_of_equal_labels():
    # Label 0 again after label 1 is a new sequence: no window joins the two 0-runs.
    values = np.arange(12.0)
    g = np.array([0] * 4 + [1] * 4 + [0] * 4)
    w = make_privileged_windows(values, input_length=1, horizon=2, privileged="AI",
                                privileged_length=1, groups=g)  # fmt: skip
    np.testing.assert_array_equal(w.t, [0, 1, 4, 5, 8, 9])
    np.testing.assert_array_equal(w.group, [0, 0, 1, 1, 0, 0])


def test_outcome_is_not_a_feature():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3))
    out = rng.normal(size=40)
    out[10] = np.nan
    w = make_privileged_windows(x, input_length=2, horizon=3, privileged="ALL", outcome=out)
    assert w.X.shape[1] == 2 * 3 and w.X_priv_steps.shape[1:] == (2, 3)
    assert w.target == "outcome"
    np.testing.assert_array_equal(w.y_value, out[w.t + 3])
    np.testing.assert_array_equal(w.target_last, out[w.t])
    np.testing.assert_array_equal(w.y, (out[w.t] <= out[w.t + 3]).astype(int))
    assert not np.isin(w.t, [10, 7]).any() and w.drop_reasons["label"] == 2
    # Not a column: the features hold x only.
    np.testing.assert_array_equal(w.X[:, -3:], x[w.t])
    s = pd.Series(out, name="pm", index=pd.RangeIndex(40))
    assert make_privileged_windows(pd.DataFrame(x), input_length=1, horizon=2,
                                   outcome=s, privileged="ALL").target == "pm"  # fmt: skip
    with pytest.raises(ValueError, match="not both"):
        make_privileged_windows(x, input_length=2, horizon=3, outcome=out, target=1)
    with pytest.raises(ValueError, match="one value per step"):
        make_privileged_windows(x, input_length=2, horizon=3, outcome=out[:-1])
    with pytest.raises(ValueError, match="index"):
        make_privileged_windows(pd.DataFrame(x), input_length=2, horizon=3,
                                outcome=pd.Series(out, index=np.arange(40) + 1))  # fmt: skip
    # Panels take one outcome per sequence.
    wp = make_privileged_windows([x[:20], x[20:]], input_length=1, horizon=2,
                                 outcome=[out[:20], out[20:]], privileged="ALL")  # fmt: skip
    np.testing.assert_array_equal(wp.y_value, out[wp.t + 2])
    with pytest.raises(ValueError, match="list of"):
        make_privileged_windows([x[:20], x[20:]], input_length=1, horizon=2, outcome=out)


def test_all_steps_trajectory_layout():
    values = np.column_stack([np.arange(30.0), 100 + np.arange(30.0)])
    w = make_privileged_windows(values, input_length=1, horizon=5, privileged="all")
    assert w.privileged == "ALL" and w.privileged_offsets == (1, 2, 3, 4)
    steps = w.X_priv_steps
    assert steps.shape == (len(w), 4, 2)
    for j in range(4):
        np.testing.assert_array_equal(steps[:, j, 0], w.t + j + 1)
        np.testing.assert_array_equal(steps[:, j, 1], 100 + w.t + j + 1)
    with pytest.raises(ValueError, match="horizon must be >= 2"):
        make_privileged_windows(values, input_length=1, horizon=1, privileged="ALL")


def test_panel_errors():
    with pytest.raises(ValueError, match="same columns"):
        make_privileged_windows([np.ones((9, 2)), np.ones((9, 3))], input_length=1, horizon=2)
    with pytest.raises(ValueError, match="already defines"):
        make_privileged_windows([np.ones(9), np.ones(9)], input_length=1, horizon=2,
                                groups=np.zeros(18))  # fmt: skip
    with pytest.raises(ValueError, match="one label per step"):
        make_privileged_windows(np.ones(9), input_length=1, horizon=2, groups=np.zeros(8))
    s = make_privileged_windows([np.arange(9.0), np.arange(9.0)], input_length=1, horizon=2)
    np.testing.assert_array_equal(s.subset([0, -1]).group, [0, 1])
