"""Tests for lupi_ts._splitting (split_blocks, BlockedTimeSeriesSplit)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score

from lupi_ts import BlockedTimeSeriesSplit, make_privileged_windows, split_blocks

SETTINGS = settings(max_examples=60, deadline=None)


def steps(w, rows):
    """Every step of the series touched by the windows ``rows`` (inputs, privileged, label)."""
    return {s for r in rows for s in range(w.t[r] - w.lookback, w.t[r] + w.lookahead + 1)}


@st.composite
def windows_with_nans(draw):
    n_steps = draw(st.integers(30, 150))
    x = np.sin(np.arange(n_steps, dtype=float) / 3.0)
    nan_at = draw(st.lists(st.integers(0, n_steps - 1), max_size=4))
    x[nan_at] = np.nan
    L = draw(st.integers(1, 4))
    k = draw(st.integers(2, 6))
    kind = draw(st.sampled_from(["AI", "BAO", [1]]))
    try:
        return make_privileged_windows(
            x,
            input_length=L,
            horizon=k,
            privileged=kind,
            privileged_length=2 if kind == "BAO" else 1,
        )
    except ValueError:
        assume(False)


@given(
    w=windows_with_nans(),
    sizes=st.lists(st.integers(1, 20), min_size=1, max_size=3),
    seed=st.integers(0, 2**31 - 1),
    start=st.one_of(st.none(), st.integers(0, 150)),
)
@SETTINGS
def test_blocks_never_share_a_step(w, sizes, seed, start):
    try:
        blocks = split_blocks(w, sizes, start=start, random_state=seed)
    except ValueError as exc:
        if start is not None and "not feasible" in str(exc):
            # an infeasible explicit start: the layout from there would run past the end
            last = start
            for size in sizes[:-1]:
                later = np.flatnonzero(
                    w.t >= w.t[min(last + size - 1, len(w) - 1)] + w.lookback + w.lookahead + 1
                )
                last = later[0] if later.size and last + size <= len(w) else len(w)
            assert start >= len(w) or last + sizes[-1] > len(w)
            return
        assert "too few" in str(exc)
        # No layout fits: not even one starting at row 0.
        with pytest.raises(ValueError):
            split_blocks(w, sizes, start=0)
        return
    if start is not None:
        assert blocks[0][0] == start
    assert [len(b) for b in blocks] == list(sizes)
    for b in blocks:
        np.testing.assert_array_equal(b, np.arange(b[0], b[0] + len(b)))  # contiguous rows
    for a, b in zip(blocks[:-1], blocks[1:]):
        assert a[-1] < b[0]  # time order
        assert not steps(w, a) & steps(w, b)
        # minimal gap: the window just before the next block would still overlap
        if b[0] - 1 > a[-1]:
            assert steps(w, [a[-1]]) & steps(w, [b[0] - 1])
    for i, a in enumerate(blocks):
        for b in blocks[i + 1 :]:
            assert not steps(w, a) & steps(w, b)
    # same seed, same blocks
    again = split_blocks(w, sizes, start=start, random_state=seed)
    for a, b in zip(blocks, again):
        np.testing.assert_array_equal(a, b)


@given(n_steps=st.integers(40, 120), sizes=st.lists(st.integers(1, 15), min_size=1, max_size=3))
@SETTINGS
def test_feasible_starts_without_nans(n_steps, sizes):
    w = make_privileged_windows(np.arange(n_steps, dtype=float), input_length=3, horizon=4)
    span = w.lookback + w.lookahead
    last_start = len(w) - (sum(sizes) + span * (len(sizes) - 1))
    if last_start < 0:
        with pytest.raises(ValueError, match=f"at least {sum(sizes) + span * (len(sizes) - 1)}"):
            split_blocks(w, sizes)
        return
    blocks = split_blocks(w, sizes, start=last_start)
    assert blocks[-1][-1] == len(w) - 1
    with pytest.raises(ValueError, match="not feasible"):
        split_blocks(w, sizes, start=last_start + 1)
    starts = {int(split_blocks(w, sizes, random_state=s)[0][0]) for s in range(40)}
    assert starts <= set(range(last_start + 1))
    if last_start >= 3:
        assert len(starts) > 1  # the start is actually random


def test_random_state_kinds_and_start():
    w = make_privileged_windows(np.arange(300.0), input_length=4, horizon=8)
    a = split_blocks(w, (10, 10, 50), random_state=np.random.default_rng(3))
    b = split_blocks(w, (10, 10, 50), random_state=np.random.default_rng(3))
    c = split_blocks(w, (10, 10, 50), random_state=np.random.RandomState(3))
    np.testing.assert_array_equal(a[2], b[2])
    assert len(c[2]) == 50
    train, val, test = split_blocks(w, (10, 10, 50), start=7)
    assert train[0] == 7 and val[0] == 7 + 10 + w.lookback + w.lookahead


@pytest.mark.parametrize(
    "sizes, kwargs, match",
    [
        ((), {}, "sizes"),
        ((10, 0), {}, "sizes"),
        ((10, 2.5), {}, "sizes"),
        (10, {}, "sizes"),
        ((10, 10), {"start": -1}, "start"),
        ((10, 10), {"start": 1.0}, "start"),
        ((10, 10), {"start": 10_000}, "start"),
        ((100, 100), {}, "need at least 212"),
    ],
)
def test_split_blocks_bad_input(sizes, kwargs, match):
    w = make_privileged_windows(np.arange(100.0), input_length=4, horizon=8)
    with pytest.raises(ValueError, match=match):
        split_blocks(w, sizes, **kwargs)


def test_split_blocks_needs_windows():
    with pytest.raises(TypeError, match="PrivilegedWindows"):
        split_blocks(np.arange(10), (2, 2))


@given(w=windows_with_nans(), n_splits=st.integers(2, 5), auto=st.booleans())
@SETTINGS
def test_blocked_cv_purges_shared_steps(w, n_splits, auto):
    assume(len(w) >= n_splits)
    span = w.lookback + w.lookahead
    cv = BlockedTimeSeriesSplit(n_splits, gap="auto" if auto else span)
    X = w if auto else w.X
    folds = list(cv.split(X))
    assert len(folds) == cv.get_n_splits() == n_splits
    tests = np.concatenate([test for _, test in folds])
    np.testing.assert_array_equal(tests, np.arange(len(w)))  # a contiguous partition
    for train, test in folds:
        np.testing.assert_array_equal(test, np.arange(test[0], test[-1] + 1))
        assert not steps(w, train) & steps(w, test)
        # nothing else is withheld: every other row outside the purge is used
        kept = set(train.tolist())
        for r in set(range(len(w))) - set(test.tolist()) - kept:
            assert (
                steps(w, [r]) & steps(w, test)
                or not auto
                and (abs(r - test[0]) <= span or abs(r - test[-1]) <= span)
            )


def test_blocked_cv_in_sklearn_and_bad_params():
    w = make_privileged_windows(np.sin(np.arange(400) / 5.0), input_length=4, horizon=8)
    scores = cross_val_score(
        LogisticRegression(), w.X, w.y, cv=BlockedTimeSeriesSplit(4, gap=w.lookback + w.lookahead)
    )
    assert scores.shape == (4,)
    assert "n_splits=4" in repr(BlockedTimeSeriesSplit(4))
    with pytest.raises(ValueError, match="gap='auto'"):
        next(BlockedTimeSeriesSplit(3).split(w.X))
    with pytest.raises(ValueError, match="gap"):
        next(BlockedTimeSeriesSplit(3, gap=-1).split(w.X))
    with pytest.raises(ValueError, match="n_splits"):
        BlockedTimeSeriesSplit(1).get_n_splits()
    with pytest.raises(ValueError, match="n_splits"):
        next(BlockedTimeSeriesSplit(5, gap=0).split(np.ones((3, 1))))


def test_parameter_mistakes_raise_invalid_parameter_error():
    from sklearn.utils._param_validation import InvalidParameterError

    w = make_privileged_windows(np.arange(100.0), input_length=4, horizon=8)
    with pytest.raises(InvalidParameterError, match="'n_splits' parameter"):
        BlockedTimeSeriesSplit(2.5).get_n_splits()
    with pytest.raises(InvalidParameterError, match="'gap' parameter"):
        next(BlockedTimeSeriesSplit(3, gap="wide").split(w))
    with pytest.raises(InvalidParameterError, match="'random_state' parameter"):
        split_blocks(w, (10, 10), random_state="seed")
    with pytest.raises(ValueError, match="start must be a row index"):
        split_blocks(w, (10, 10), start=True)
