"""SKAB outlier metrics, NAB scores and ranking metrics on hand-made cases."""

import math

import numpy as np
import pytest

from lupi_ts.anomaly import (
    alarms_to_changepoints,
    nab_score,
    nab_scores,
    nab_windows,
    outlier_metrics,
    ranking_metrics,
)


def test_outlier_metrics_pool_counts_over_series():
    # series 1: TP=2, FN=1, FP=0, TN=2 ; series 2: TP=0, FN=0, FP=1, TN=3
    y1, p1 = [1, 1, 1, 0, 0], [1, 1, 0, 0, 0]
    y2, p2 = [0, 0, 0, 0], [0, 1, 0, 0]
    m = outlier_metrics([y1, y2], [p1, p2])
    assert (m["tp"], m["fn"], m["fp"], m["tn"]) == (2, 1, 1, 5)
    assert m["f1"] == pytest.approx(2 / (2 + (1 + 1) / 2))
    assert m["far"] == pytest.approx(100 * 1 / 6)
    assert m["mar"] == pytest.approx(100 * 1 / 3)
    # pooling differs from averaging the per-series F1 (series 2 alone has F1 0)
    per_series = [outlier_metrics(y1, p1)["f1"], outlier_metrics(y2, p2)["f1"]]
    assert m["f1"] != pytest.approx(np.mean(per_series))


def test_outlier_metrics_zero_denominators_are_nan():
    m = outlier_metrics([0, 0], [0, 0])
    assert math.isnan(m["f1"]) and math.isnan(m["mar"]) and m["far"] == 0.0


@pytest.mark.parametrize(
    ("y_true", "y_pred", "match"),
    [
        ([0, 1], [0, 1, 1], "same length"),
        ([[0, 1]], [[0, 1], [1, 0]], "same number of series"),
        ([0, 2], [0, 1], "0/1"),
    ],
)
def test_outlier_metrics_bad_input(y_true, y_pred, match):
    with pytest.raises(ValueError, match=match):
        outlier_metrics(y_true, y_pred)


def test_ranking_metrics_by_hand():
    # positives 0.35, 0.8; negatives 0.1, 0.4: pairs won 3 of 4 -> AUC 0.75
    # ranking 0.8(+), 0.4(-), 0.35(+), 0.1(-): AP = (1/1 + 2/3) / 2
    r = ranking_metrics([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    assert r["roc_auc"] == pytest.approx(0.75)
    assert r["pr_auc"] == pytest.approx((1 + 2 / 3) / 2)


def test_ranking_metrics_single_class_and_nan():
    assert math.isnan(ranking_metrics([0, 0], [0.1, 0.2])["roc_auc"])
    with pytest.raises(ValueError, match="finite"):
        ranking_metrics([0, 1], [0.1, np.nan])


def test_alarms_to_changepoints_marks_rises_and_falls():
    assert alarms_to_changepoints([1, 1, 0, 1]).tolist() == [1, 0, 1, 1]


def _reward(frac, a_tp, a_fp):
    # written from the README's definition of SKAB's code: the cell
    # min(int(frac * 1000), 999) of a 1,000-point tanh curve over [-pi/2, pi/2]
    cell = min(int(frac * 1000), 999)
    x = -math.pi / 2 + math.pi * cell / 999
    return (a_tp - a_fp) / 2 * (1 - math.tanh(x) / math.tanh(math.pi / 2)) + a_fp


def test_nab_detection_at_window_start_end_and_outside():
    cp = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    # first detection at the window start earns A_tp = 1 -> perfect score
    assert nab_score(cp, [0, 0, 1, 0, 0, 0, 0, 0, 0, 0], window=4) == pytest.approx(100.0)
    # detection at the window end earns A_fp = -0.11 (the grid's last cell)
    assert nab_score(cp, [0, 0, 0, 0, 0, 0, 1, 0, 0, 0], window=4) == pytest.approx(44.5)
    # detection in the middle: cell 500 of the grid, just past tanh(0) = 0
    mid = _reward(0.5, 1, -0.11)
    assert 0.44 < mid < 0.445
    assert nab_score(cp, [0, 0, 0, 0, 1, 0, 0, 0, 0, 0], window=4) == pytest.approx(
        100 * (mid + 1) / 2
    )
    # plus one false positive outside the window (-0.11) and a second in-window
    # detection (ignored)
    det = [1, 0, 0, 0, 1, 1, 0, 0, 0, 0]
    assert nab_score(cp, det, window=4) == pytest.approx(100 * (mid - 0.11 + 1) / 2)
    # LowFP doubles the FP cost, LowFN doubles the miss cost (null = -2, perfect = 1)
    assert nab_score(cp, det, window=4, profile="lowfp") == pytest.approx(
        100 * (_reward(0.5, 1, -0.22) - 0.22 + 1) / 2
    )
    assert nab_score(cp, det, window=4, profile="lowfn") == pytest.approx(
        100 * (mid - 0.11 + 2) / 3
    )


def test_nab_reward_is_read_from_the_grid():
    # a detection 3/7 into a window: SKAB reads cell int(428.57) = 428 of the
    # 1,000-point curve (x = -pi/2 + pi * 428 / 999), not the curve at 3/7
    cp = [1, 0, 0, 0, 0, 0, 0, 0]
    got = nab_score(cp, [0, 0, 0, 1, 0, 0, 0, 0], window=7)
    x = -math.pi / 2 + math.pi * 428 / 999
    cell = 1.11 / 2 * (1 - math.tanh(x) / math.tanh(math.pi / 2)) - 0.11
    assert got == pytest.approx(100 * (cell + 1) / 2, abs=1e-12)
    exact_x = -math.pi / 2 + math.pi * 3 / 7
    exact = 1.11 / 2 * (1 - math.tanh(exact_x) / math.tanh(math.pi / 2)) - 0.11
    assert abs(got - 100 * (exact + 1) / 2) > 1e-3


def test_nab_windows_cut_right():
    assert nab_windows([0, 3, 10], 5).tolist() == [[0, 5], [5, 8], [10, 15]]
    # a chain of overlaps: each window starts where the previous (cut) one ends
    assert nab_windows([0, 1, 2], 5).tolist() == [[0, 5], [5, 6], [6, 7]]
    # touching windows count as overlapping (end_i >= start_{i+1})
    assert nab_windows([0, 5], 5).tolist() == [[0, 5], [5, 10]]
    assert nab_windows([], 5).shape == (0, 2)


def test_nab_overlapping_windows_one_detection_counts_once():
    # changepoints at steps 0 and 2, window 4: windows [0, 4] and [4, 6].
    cp = [1, 0, 1, 0, 0, 0, 0, 0]
    # one detection at step 2 is the first hit of window 1 only (frac 2/4);
    # window 2 ([4, 6]) is missed. With uncut windows ([2, 6]) the same
    # detection would also earn A_tp in window 2.
    det = [0, 0, 1, 0, 0, 0, 0, 0]
    raw = _reward(0.5, 1, -0.11) - 1.0
    assert nab_score(cp, det, window=4) == pytest.approx(100 * (raw + 2) / 4)
    # a detection at step 5 hits window 2 at frac 1/2 and is no false positive;
    # window 1 is missed
    det = [0, 0, 0, 0, 0, 1, 0, 0]
    assert nab_score(cp, det, window=4) == pytest.approx(
        100 * (-1 + _reward(0.5, 1, -0.11) + 2) / 4
    )
    # a detection exactly at the shared boundary (step 4) is inside both
    # windows (both ends included): window 1's end (A_fp) and window 2's start (A_tp)
    det = [0, 0, 0, 0, 1, 0, 0, 0]
    assert nab_score(cp, det, window=4) == pytest.approx(100 * (-0.11 + 1 + 2) / 4)
    # after the last window: a false positive; between disjoint windows too
    det = [0, 0, 0, 0, 0, 0, 0, 1]
    assert nab_score(cp, det, window=4) == pytest.approx(100 * (-1 - 1 - 0.11 + 2) / 4)
    cp = [1, 0, 0, 0, 0, 1, 0, 0]
    det = [0, 0, 1, 1, 0, 0, 0, 0]  # windows [0, 1] and [5, 6]: two misses, two FPs
    assert nab_score(cp, det, window=1) == pytest.approx(100 * (-1 - 1 - 0.22 + 2) / 4)


def test_nab_pools_series_and_uses_timestamps():
    idx1 = np.array(
        ["2020-01-01T00:00:00", "2020-01-01T00:00:30", "2020-01-01T00:01:30"], dtype="datetime64[s]"
    )
    idx2 = np.array(["2020-01-02T00:00:00", "2020-01-02T00:00:10"], dtype="datetime64[s]")
    cps = [[1, 0, 0], [1, 0]]
    # series 1: detection 30 s after the changepoint (frac 0.5 of 60 s);
    # series 2: no detection -> miss (-1)
    dets = [[0, 1, 0], [0, 0]]
    raw = _reward(0.5, 1, -0.11) - 1.0
    assert nab_score(cps, dets, times=[idx1, idx2], window=60) == pytest.approx(100 * (raw + 2) / 4)
    # a detection 90 s later lies outside the 60 s window: a false positive
    assert nab_score([[1, 0, 0]], [[0, 0, 1]], times=[idx1], window=60) == pytest.approx(
        100 * (-1 - 0.11 + 1) / 2
    )
    # changepoints 10 s apart with a 60 s window: the second window is
    # [60 s, 70 s]; a detection at 30 s counts once, in the first
    idx = np.array(
        ["2020-01-01T00:00:00", "2020-01-01T00:00:10", "2020-01-01T00:00:30"], dtype="datetime64[s]"
    )
    assert nab_score([[1, 1, 0]], [[0, 0, 1]], times=[idx], window=60) == pytest.approx(
        100 * (_reward(0.5, 1, -0.11) - 1 + 2) / 4
    )


def test_nab_scores_profiles_and_errors():
    s = nab_scores([0, 1, 0], [0, 0, 0], window=1)
    assert s == {"nab_standard": 0.0, "nab_lowfp": 0.0, "nab_lowfn": 0.0}
    with pytest.raises(ValueError, match="profile"):
        nab_score([0, 1], [0, 1], profile="bogus")
    with pytest.raises(ValueError, match="window"):
        nab_score([0, 1], [0, 1], window=0)
    with pytest.raises(ValueError, match="times"):
        nab_score([[0, 1]], [[0, 1]], times=[np.arange(3)])
