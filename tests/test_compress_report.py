"""Evaluation as deployed (one window at a time) and extra metric columns of the report."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from lupi_ts.compress import PerWindow, compression_report, quantize_dynamic  # noqa: E402


def _net(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 32), nn.ReLU(), nn.Linear(32, 1)).eval()


@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 12), seed=st.integers(0, 1000))
def test_per_window_equals_the_module_on_each_row_alone(n, seed):
    net = quantize_dynamic(_net())
    x = torch.as_tensor(np.random.default_rng(seed).normal(size=(n, 6)), dtype=torch.float32)
    with torch.inference_mode():
        out = PerWindow(net)(x)
        rows = [net(x[i:i + 1]) for i in range(n)]
    assert out.shape == (n, 1)
    for i in range(n):
        assert torch.equal(out[i:i + 1], rows[i])


def test_per_window_removes_the_batch_dependence_of_dynamic_int8():
    net = _net()
    q = quantize_dynamic(net)
    rng = np.random.default_rng(0)
    x = torch.as_tensor(rng.normal(size=(64, 6)), dtype=torch.float32)
    extreme = torch.cat([x, torch.full((1, 6), 300.0)])  # one outlier window in the batch
    with torch.inference_mode():
        alone = PerWindow(q)(x)
        # batched: the outlier sets the int8 scale of every row of the batch
        batched = q(extreme)[:64]
        with_outlier = PerWindow(q)(extreme)[:64]
        exact = net(x)
    assert torch.equal(alone, with_outlier)  # per window: other rows do not matter
    err_alone = (alone - exact).abs().max().item()
    err_batched = (batched - exact).abs().max().item()
    assert err_batched > 5 * err_alone
    # float modules give the same numbers either way
    with torch.inference_mode():
        assert torch.allclose(PerWindow(net)(extreme), net(extreme), atol=1e-5)


def test_per_window_bad_input_and_empty_batch():
    with pytest.raises(TypeError, match="torch.nn.Module"):
        PerWindow("not a module")
    with torch.inference_mode():
        assert PerWindow(_net())(torch.zeros(0, 6)).shape == (0, 1)


def test_evaluate_may_return_extra_columns():
    net = _net()
    stages = [("original", net), ("int8", quantize_dynamic(net))]
    scores = {id(net): (0.8, 0.9), id(stages[1][1]): (0.7, 0.85)}

    def evaluate(m):
        metric, auc = scores[id(m)]
        return {"metric": metric, "auc": auc}

    rows = compression_report(stages, torch.zeros(4, 6), evaluate=evaluate, batch_sizes=(1,),
                              repeats=1, rounds=1, min_time=0.0)
    assert [r["auc"] for r in rows] == [0.9, 0.85]
    assert rows[1]["metric_delta"] == pytest.approx(-10.0)


@pytest.mark.parametrize("result, match", [({"auc": 0.5}, "'metric' key"),
                                           ({"metric": 0.5, "file_bytes": 3}, "report columns")])
def test_evaluate_dict_must_hold_the_metric_and_no_report_column(result, match):
    with pytest.raises(ValueError, match=match):
        compression_report([("original", _net())], torch.zeros(2, 6),
                           evaluate=lambda m: result, batch_sizes=(1,), repeats=1, rounds=1,
                           min_time=0.0)


def test_min_time_is_checked():
    from lupi_ts.compress import measure_latency

    with pytest.raises(ValueError, match="min_time"):
        measure_latency(_net(), torch.zeros(2, 6), min_time=-1.0)
    lat = measure_latency(_net(), torch.zeros(2, 6), batch_sizes=(1,), repeats=1, min_time=0)
    assert lat[1] > 0
