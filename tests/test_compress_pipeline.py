"""The pipeline chains steps; fine-tuning keeps distilling; the report measures every stage."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

from lupi_ts import soft_labels  # noqa: E402
from lupi_ts.compress import (  # noqa: E402
    CompressionPipeline,
    compression_report,
    count_nonzero,
    distillation_data,
    fine_tune,
    format_markdown,
    is_quantized,
    measure_latency,
    prune_magnitude,
    prune_structured,
    quantize_dynamic,
    write_report,
)
from lupi_ts.neural import MLP, NeuralDistillationClassifier  # noqa: E402


def _data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    Xp = rng.normal(size=(n, 3))
    X = Xp + rng.normal(scale=0.5, size=(n, 3))
    y = (Xp.sum(axis=1) > 0).astype(int)
    return X, Xp, y


@pytest.fixture(scope="module")
def fitted():
    X, Xp, y = _data()
    clf = NeuralDistillationClassifier(
        teacher={"name": "mlp", "hidden": [16]}, student={"name": "mlp", "hidden": [32, 32]},
        imitation=0.5, temperature=2.0, max_epochs=15, random_state=0, device="cpu",
    ).fit(X, y, X_priv=Xp)
    return clf, X, Xp, y


def test_pipeline_prunes_then_quantizes():
    torch.manual_seed(0)
    net = MLP(16, 1, hidden=(64, 64))
    pipe = CompressionPipeline([
        ("prune", partial(prune_magnitude, sparsity=0.6)),
        ("quantize", quantize_dynamic),
    ])
    stages = pipe.run(net)
    assert [name for name, _ in stages] == ["original", "prune", "quantize"]
    original, pruned, quantized = (m for _, m in stages)
    assert count_nonzero(original)[0] == count_nonzero(net)[0]
    assert count_nonzero(pruned)[0] == pytest.approx(0.4 * count_nonzero(net)[1], abs=3)
    assert is_quantized(quantized) and not is_quantized(pruned)
    assert count_nonzero(quantized)[0] <= count_nonzero(pruned)[0]  # zeros stay zero in int8
    assert stages[0][1] is not net  # the input is copied, never modified


@pytest.mark.parametrize("steps, match", [
    ([], "at least one"),
    ("prune", "pair"),
    ([("prune", 3)], "pair"),
    ([("a", quantize_dynamic), ("a", quantize_dynamic)], "unique"),
    ([("original", quantize_dynamic)], "unique"),
    (None, "list"),
])
def test_pipeline_bad_steps(steps, match):
    with pytest.raises(ValueError, match=match):
        CompressionPipeline(steps).run(MLP(4, 1))


def test_pipeline_step_must_return_a_module():
    with pytest.raises(ValueError, match="'broken'"):
        CompressionPipeline([("broken", lambda m: None)]).run(MLP(4, 1))


def test_distillation_data_continues_the_estimators_distillation(fitted):
    clf, X, Xp, y = fitted
    data = distillation_data(clf, X, y, X_priv=Xp)
    assert data["task"] == "binary" and data["imitation"] == 0.5 and data["temperature"] == 2.0
    with torch.no_grad():
        z = clf.teacher_(torch.as_tensor(Xp, dtype=torch.float32))[:, 0].double().numpy()
    np.testing.assert_allclose(data["soft"], 1 / (1 + np.exp(-z / 2.0)), rtol=1e-6)
    np.testing.assert_allclose(data["soft"], soft_labels(z, 2.0))
    np.testing.assert_array_equal(data["y"], y)
    with pytest.raises(ValueError, match="fitted"):
        distillation_data(NeuralDistillationClassifier(), X, y, X_priv=Xp)
    with pytest.raises(ValueError, match="one row per row"):
        distillation_data(clf, X, y, X_priv=Xp[:5])


def test_distillation_data_of_a_regressor():
    from lupi_ts.neural import NeuralDistillationRegressor

    X, Xp, _ = _data(60)
    y = Xp @ np.array([1.0, -2.0, 0.5]) + 3.0
    reg = NeuralDistillationRegressor(max_epochs=2, imitation=0.3, random_state=0,
                                      device="cpu").fit(X, y, X_priv=Xp)
    data = distillation_data(reg, X, y, X_priv=Xp)
    assert data["task"] == "regression" and data["imitation"] == 0.3
    np.testing.assert_allclose(data["y"][:, 0], (y - y.mean()) / y.std(), rtol=1e-5)
    with torch.no_grad():
        teacher = reg.teacher_(torch.as_tensor(Xp, dtype=torch.float32)).numpy()
    np.testing.assert_allclose(data["soft"], teacher, rtol=1e-6)
    tuned = fine_tune(reg.student_, **data, max_epochs=2)
    assert tuned(torch.as_tensor(X, dtype=torch.float32)).shape == (60, 1)


def test_fine_tune_is_deterministic_and_recovers_accuracy(fitted):
    clf, X, Xp, y = fitted
    data = distillation_data(clf, X, y, X_priv=Xp)
    small = prune_structured(clf.student_, 0.75)
    a = fine_tune(small, **data, max_epochs=30, learning_rate=3e-3, random_state=1)
    b = fine_tune(small, **data, max_epochs=30, learning_rate=3e-3, random_state=1)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))

    def accuracy(m):
        with torch.no_grad():
            z = m(torch.as_tensor(X, dtype=torch.float32))[:, 0].numpy()
        return ((z > 0).astype(int) == y).mean()

    def loss(m):
        with torch.no_grad():
            z = m(torch.as_tensor(X, dtype=torch.float32))[:, 0]
            t = torch.as_tensor(0.5 * y + 0.5 * data["soft"], dtype=torch.float32)
            return float(nn.functional.binary_cross_entropy_with_logits(z, t))

    assert loss(a) < loss(small)
    assert accuracy(a) >= accuracy(small) - 0.02


def test_fine_tune_bad_input(fitted):
    clf, X, Xp, y = fitted
    with pytest.raises(ValueError, match="task"):
        fine_tune(clf.student_, X, y, task="ranking")
    with pytest.raises(ValueError, match="float module"):
        fine_tune(quantize_dynamic(clf.student_), X, y)
    with pytest.raises(ValueError, match="y is required"):
        fine_tune(clf.student_, X)
    with pytest.raises(ValueError, match="max_epochs"):
        fine_tune(clf.student_, X, y, max_epochs=0)
    with pytest.raises(ValueError, match="one row per row"):
        fine_tune(clf.student_, X, y[:3])
    with pytest.raises(ValueError, match="imitation"):
        fine_tune(clf.student_, X, y, imitation=2.0)


def test_fine_tune_reconstruction_and_regression():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 6)).astype(np.float32)
    ae = nn.Sequential(nn.Linear(6, 3), nn.ReLU(), nn.Linear(3, 6))
    tuned = fine_tune(ae, X, task="reconstruction", soft=X * 0.5, max_epochs=5,
                     learning_rate=1e-2)
    with torch.no_grad():
        before = ((ae(torch.as_tensor(X)) - torch.as_tensor(X)) ** 2).mean()
        after = ((tuned(torch.as_tensor(X)) - torch.as_tensor(X)) ** 2).mean()
    assert after < before
    reg = fine_tune(nn.Linear(6, 1), X, X[:, 0], task="regression", max_epochs=2)
    assert reg(torch.as_tensor(X)).shape == (40, 1)


def test_report_measures_every_stage(tmp_path):
    torch.manual_seed(0)
    net = MLP(16, 1, hidden=(64, 64))
    stages = CompressionPipeline([("prune", partial(prune_structured, sparsity=0.5)),
                                  ("int8", quantize_dynamic)]).run(net)
    X = torch.randn(32, 16)
    metric = {"original": 0.9, "prune": 0.85, "int8": 0.8}
    lookup = {id(m): metric[name] for name, m in stages}
    rows = compression_report(stages, X, evaluate=lambda m: lookup[id(m)], batch_sizes=(1, 8),
                              repeats=2, min_time=0.001)
    assert [r["stage"] for r in rows] == ["original", "prune", "int8"]
    assert rows[0]["size_ratio"] == 1.0
    assert rows[2]["file_bytes"] < rows[1]["file_bytes"] < rows[0]["file_bytes"]
    assert rows[1]["size_ratio"] == pytest.approx(rows[0]["file_bytes"] / rows[1]["file_bytes"])
    assert rows[2]["metric_delta"] == pytest.approx(-10.0)
    assert rows[1]["parameters"] == 16 * 32 + 32 + 32 * 32 + 32 + 32 + 1
    for r in rows:
        assert r["export_error"] < 1e-4
        assert r["eager_b1_us"] > 0 and r["file_b8_us"] > 0
        assert r["speedup_b1"] == pytest.approx(rows[0]["eager_b1_us"] / r["file_b1_us"])
    table = format_markdown(rows)
    assert table.count("\n") == 4 and "| int8 |" in table
    paths = write_report(rows, tmp_path / "out", "demo", title="demo")
    assert all(p.stat().st_size > 0 for p in paths.values())
    assert paths["png"].read_bytes()[:4] == b"\x89PNG"


def test_report_and_latency_bad_input():
    with pytest.raises(ValueError, match="at least one"):
        compression_report([], torch.zeros(2, 3))
    with pytest.raises(ValueError, match="pair"):
        compression_report([MLP(3, 1)], torch.zeros(2, 3))
    with pytest.raises(ValueError, match="rounds"):
        compression_report([("a", MLP(3, 1))], torch.zeros(2, 3), rounds=0)
    with pytest.raises(ValueError, match="batch_sizes"):
        measure_latency(MLP(3, 1), torch.zeros(2, 3), batch_sizes=(0,))
    with pytest.raises(ValueError, match="repeats"):
        measure_latency(MLP(3, 1), torch.zeros(2, 3), repeats=0)
    with pytest.raises(ValueError, match="clock"):
        measure_latency(MLP(3, 1), torch.zeros(2, 3), clock="sundial")


def test_latency_grows_with_the_work():
    small, big = nn.Linear(8, 8), nn.Sequential(*[nn.Linear(256, 256) for _ in range(8)])
    for clock in ("thread", "wall"):
        t_small = measure_latency(small, torch.zeros(4, 8), batch_sizes=(64,), repeats=3,
                                  min_time=0.005, clock=clock)[64]
        t_big = measure_latency(big, torch.zeros(4, 256), batch_sizes=(64,), repeats=3,
                                min_time=0.005, clock=clock)[64]
        assert 0 < t_small < t_big


def test_distillation_data_follows_the_objective_and_any_teacher():
    from sklearn.linear_model import LogisticRegression
    from sklearn.utils._param_validation import InvalidParameterError

    from lupi_ts import mix_targets

    X, Xp, y = _data(80)
    kw = dict(imitation=0.4, temperature=3.0, max_epochs=2, random_state=0, device="cpu")
    # "generalized": the mixed targets at T = 1, whatever the teacher (here scikit-learn)
    clf = NeuralDistillationClassifier(teacher=LogisticRegression(), objective="generalized",
                                       **kw).fit(X, y, X_priv=Xp)
    data = distillation_data(clf, X, y, X_priv=Xp)
    z = clf.teacher_.decision_function(Xp)
    np.testing.assert_allclose(data["soft"], mix_targets(y, soft_labels(z, 3.0), 0.4))
    assert (data["imitation"], data["temperature"]) == (1.0, 1.0)
    # precomputed logits: the same numbers without a teacher
    pre = NeuralDistillationClassifier(objective="generalized", **kw).fit(X, y, teacher_outputs=z)
    with pytest.raises(ValueError, match="pass teacher_outputs"):
        distillation_data(pre, X, y)
    again = distillation_data(pre, X, y, teacher_outputs=z)
    np.testing.assert_array_equal(again["soft"], data["soft"])
    with pytest.raises(ValueError, match="among the classes"):
        distillation_data(clf, X, y + 5, X_priv=Xp)
    with pytest.raises(ValueError, match="lupi_ts.neural distillation estimator"):
        distillation_data(LogisticRegression().fit(X, y), X, y, X_priv=Xp)
    # parameter mistakes of fine_tune are InvalidParameterError, naming the parameter
    with pytest.raises(InvalidParameterError, match="learning_rate"):
        fine_tune(clf.student_, **data, learning_rate=0.0)
    with pytest.raises(InvalidParameterError, match="device"):
        fine_tune(clf.student_, **data, device="quantum")
