"""The SKAB leaderboard's T²+Q row, reproduced with the published protocol (needs shared data).

Protocol (../shared/data/README.md): per anomalous file the first 400 rows
train one model, the rest is scored; T² and Q are median-smoothed over 5 rows
of the test part only, so its first 4 rows are never alarms; outlier metrics
are pooled over the 34 test parts, NAB with 60 s windows to the right of each
changepoint. SKAB rounds to 2 decimals.
"""

import numpy as np
import pytest

from lupi_ts.anomaly import (
    PCADetector,
    alarms_to_changepoints,
    nab_scores,
    outlier_metrics,
)
from lupi_ts.datasets import fetch_skab


def _leaderboard_protocol(skab_dir, limits):
    data = fetch_skab(path=skab_dir)
    y, pred, cps, dets, times = [], [], [], [], []
    for frame in data.files.values():
        X = frame[list(data.sensors)].to_numpy(float)
        p = PCADetector(limits=limits, smoothing=5).fit(X[:400]).predict(X[400:])
        p[:4] = 0  # SKAB's rolling median is undefined there
        y.append(frame["anomaly"].to_numpy()[400:])
        pred.append(p)
        cps.append(frame["changepoint"].to_numpy()[400:])
        dets.append(alarms_to_changepoints(p))
        times.append(np.asarray(frame.index[400:]))
    row = outlier_metrics(y, pred)
    row.update(nab_scores(cps, dets, times=times, window=60.0))
    return row


def test_t2q_skab_limits_reproduce_the_leaderboard_row(skab_dir):
    row = _leaderboard_protocol(skab_dir, "skab")
    assert row["tp"] + row["fp"] + row["tn"] + row["fn"] == 23801
    assert round(row["f1"], 2) == 0.76
    assert round(row["far"], 2) == 26.62
    assert round(row["mar"], 2) == 24.92
    got = [round(row[k], 2) for k in ("nab_standard", "nab_lowfp", "nab_lowfn")]
    assert got == [25.35, 14.51, 31.33]


def test_textbook_q_limit_is_not_the_leaderboards(skab_dir):
    row = _leaderboard_protocol(skab_dir, "textbook")
    assert row["far"] == pytest.approx(36.6, abs=0.1)
    assert row["mar"] == pytest.approx(21.2, abs=0.1)
