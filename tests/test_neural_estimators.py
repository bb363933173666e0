"""NeuralDistillationClassifier / NeuralDistillationRegressor: API, determinism, persistence."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

torch = pytest.importorskip("torch")  # the estimators need the optional extra to fit

from sklearn.base import clone  # noqa: E402
from sklearn.utils._param_validation import InvalidParameterError  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from lupi_ts.neural import (  # noqa: E402
    MLP,
    NeuralDistillationClassifier,
    NeuralDistillationRegressor,
)

TINY = {"name": "mlp", "hidden": [8]}


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    # Tiny networks: one thread avoids oversubscription on a shared 2-core runner,
    # and makes float32 results independent of the thread count.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _tiny(cls, **kw):
    base = dict(teacher=TINY, student=TINY, max_epochs=10, learning_rate=0.03, batch_size=256,
                random_state=0, device="cpu")
    base.update(kw)
    return cls(**base)


@parametrize_with_checks(
    [_tiny(NeuralDistillationClassifier), _tiny(NeuralDistillationRegressor)],
    # On CPU fits are deterministic and inference is batch-size invariant at one
    # thread (set above). One expected failure: weights are not repeats.
    expected_failed_checks=lambda est: {
        "check_sample_weight_equivalence_on_dense_data": (
            "float32 mini-batch training: a weight of 2 scales a row's loss, a repeated row "
            "changes the batches (and even in one batch the float32 sums differ by ~1e-7)"
        ),
    },
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _privileged_problem(n=160, seed=0, classes=2):
    """The teacher sees a clean signal, the student a noisy, partial view of it."""
    rng = np.random.default_rng(seed)
    X_priv = rng.normal(size=(n, 6, 2))
    X = X_priv[:, :4, :] + rng.normal(scale=0.5, size=(n, 4, 2))
    score = X_priv.sum(axis=(1, 2))
    if classes == 2:
        y = (score > 0).astype(int)
    else:
        y = np.digitize(score, np.quantile(score, [1 / 3, 2 / 3]))
    return X, y, X_priv, score


def _weights(module):
    return [t.detach().clone() for t in module.state_dict().values()]


def _same(a, b):
    return len(a) == len(b) and all(torch.equal(x, y) for x, y in zip(a, b))


def test_defaults_just_work_and_learn():
    X, y, Xp, _ = _privileged_problem()
    clf = NeuralDistillationClassifier(random_state=0, max_epochs=30).fit(X, y, X_priv=Xp)
    assert isinstance(clf.teacher_, MLP) and isinstance(clf.student_, MLP)
    assert clf.score(X, y) > 0.8
    assert len(clf.history_["teacher"]["train_loss"]) == 30
    assert clf.history_["student"]["train_loss"][-1] < clf.history_["student"]["train_loss"][0]
    assert clf.predict_proba(X).shape == (len(X), 2)
    np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1.0)


@pytest.mark.parametrize(
    ("teacher", "student"),
    [("cnn", "gru"), ("lstm", {"name": "cnn", "channels": [4], "kernel_size": 5}),
     ({"name": "gru", "hidden_size": 4}, "mlp")],
)
def test_module_specs_multiclass(teacher, student):
    X, y, Xp, _ = _privileged_problem(n=90, classes=3)
    clf = _tiny(NeuralDistillationClassifier, teacher=teacher, student=student, max_epochs=3)
    clf.fit(X, y, X_priv=Xp)
    assert clf.decision_function(X).shape == (90, 3)
    assert set(clf.predict(X)) <= {0, 1, 2}


def test_same_seed_bit_identical_weights_on_cpu():
    X, y, Xp, _ = _privileged_problem(n=80)
    kw = dict(teacher="gru", student={"name": "mlp", "hidden": [8], "dropout": 0.2},
              hint_weight=0.5, hint_epochs=2, robust_eps=0.1, heteroscedastic_dropout=True,
              max_epochs=3)
    a = _tiny(NeuralDistillationClassifier, **kw).fit(X, y, X_priv=Xp)
    b = _tiny(NeuralDistillationClassifier, **kw).fit(X, y, X_priv=Xp)
    c = _tiny(NeuralDistillationClassifier, **{**kw, "random_state": 1}).fit(X, y, X_priv=Xp)
    for name in ("teacher_", "student_", "hint_regressor_", "dropout_"):
        assert _same(_weights(getattr(a, name)), _weights(getattr(b, name))), name
    assert not _same(_weights(a.student_), _weights(c.student_))
    assert a.history_ == b.history_


def test_imitation_zero_ignores_the_teacher():
    # λ = 0 is plain training on the hard labels: the teacher cannot matter.
    X, y, Xp, _ = _privileged_problem(n=80)
    a = _tiny(NeuralDistillationClassifier, imitation=0.0, teacher="mlp").fit(X, y, X_priv=Xp)
    b = _tiny(NeuralDistillationClassifier, imitation=0.0, teacher="gru").fit(X, y, X_priv=Xp)
    assert _same(_weights(a.student_), _weights(b.student_))
    c = _tiny(NeuralDistillationClassifier, imitation=0.5, teacher="gru").fit(X, y, X_priv=Xp)
    assert not _same(_weights(b.student_), _weights(c.student_))


def test_no_privileged_data_is_classic_distillation():
    X, y, _, _ = _privileged_problem(n=60)
    clf = _tiny(NeuralDistillationClassifier, max_epochs=2).fit(X, y)
    assert clf.priv_shape_ == clf.input_shape_ == (4, 2)
    assert clf.teacher_.config["in_features"] == 8


@pytest.mark.parametrize("option", [{"robust_eps": 0.5}, {"hint_weight": 1.0},
                                    {"hint_epochs": 2}, {"heteroscedastic_dropout": True}])
def test_each_training_term_changes_the_student(option):
    X, y, Xp, _ = _privileged_problem(n=60)
    base = _tiny(NeuralDistillationClassifier, max_epochs=2).fit(X, y, X_priv=Xp)
    other = _tiny(NeuralDistillationClassifier, max_epochs=2, **option).fit(X, y, X_priv=Xp)
    assert not _same(_weights(base.student_), _weights(other.student_))
    assert _same(_weights(base.teacher_), _weights(other.teacher_))  # teacher untouched


def test_robust_term_trains_recurrent_students():
    # The penalty needs double backward through the GRU (cuDNN disabled on GPUs).
    X, y, Xp, _ = _privileged_problem(n=40)
    clf = _tiny(NeuralDistillationClassifier, student={"name": "gru", "hidden_size": 4},
                robust_eps=0.2, max_epochs=2).fit(X, y, X_priv=Xp)
    assert np.isfinite(clf.history_["student"]["train_loss"]).all()


def test_early_stopping_validates_on_the_last_rows_and_restores_the_best():
    X, y, Xp, _ = _privileged_problem(n=100)
    clf = _tiny(NeuralDistillationClassifier, early_stopping=True, validation_fraction=0.25,
                n_iter_no_change=3, max_epochs=40, learning_rate=0.1)
    clf.fit(X, y, X_priv=Xp)
    val = clf.history_["student"]["val_loss"]
    assert len(val) == len(clf.history_["student"]["train_loss"]) == clf.n_epochs_
    # the restored student's hard-label loss on the last 25 rows is the best recorded one
    with torch.no_grad():
        z = clf.student_(torch.tensor(X[-25:], dtype=torch.float32))[:, 0]
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            z, torch.tensor(y[-25:], dtype=torch.float32))
    assert float(loss) == pytest.approx(min(val), rel=1e-5)
    with pytest.raises(ValueError, match="early_stopping"):
        clf.set_params(validation_fraction=0.9).fit(X[:2], y[:2], X_priv=Xp[:2])


def test_regressor_learns_and_handles_multioutput():
    X, _, Xp, score = _privileged_problem(n=160)
    reg = NeuralDistillationRegressor(random_state=0, max_epochs=40, imitation=0.3)
    assert reg.fit(X, score, X_priv=Xp).score(X, score) > 0.5
    Y = np.column_stack([score, -2 * score + 5])
    pred = _tiny(NeuralDistillationRegressor, max_epochs=2).fit(X, Y, X_priv=Xp).predict(X)
    assert pred.shape == Y.shape


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda X, y, Xp: (np.where(X > 2, np.nan, X), y, Xp), "NaN"),
        (lambda X, y, Xp: (X, y, np.where(Xp > 2, np.nan, Xp)), "NaN"),
        (lambda X, y, Xp: (X, y, Xp[:-1]), "X_priv must have one row per row"),
        (lambda X, y, Xp: (X[..., None], y, Xp), "2-D .* or 3-D"),
        (lambda X, y, Xp: (X, np.zeros_like(y), Xp), "2 classes"),
    ],
)
def test_bad_data_fails_before_training(change, match):
    X, y, Xp, _ = _privileged_problem(n=40)
    X, y, Xp = change(X, y, Xp)
    clf = _tiny(NeuralDistillationClassifier)
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y, X_priv=Xp)
    assert not hasattr(clf, "history_")
    assert not hasattr(clf, "_state")  # a failed fit keeps no tensors alive


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"student": "transformer"}, "'student' parameter .* must be a str among"),
        ({"student": {"name": "transformer"}}, "student must be one of"),
        ({"teacher": {"name": "mlp", "in_features": 3}}, "teacher must not set"),
        ({"teacher": 3}, "'teacher' parameter"),
        ({"robust_eps": -0.1}, "robust_eps"),
        ({"temperature": -1.0}, "temperature"),
        ({"temperature": 0}, "temperature"),
        ({"imitation": 1.2}, "imitation"),
        ({"hint_weight": -1}, "hint_weight"),
        ({"max_epochs": 0}, "max_epochs"),
        ({"batch_size": 2.5}, "batch_size"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"weight_decay": -1e-3}, "weight_decay"),
        ({"n_iter_no_change": 0}, "n_iter_no_change"),
        ({"hint_epochs": -1}, "hint_epochs"),
        ({"random_state": "seed"}, "random_state"),
        ({"validation_fraction": 1.0}, "validation_fraction"),
        ({"early_stopping": "yes"}, "early_stopping"),
        ({"device": "quantum"}, "device"),
        ({"student": MLP(99, 1)}, "student cannot process"),
        ({"teacher": MLP(12, 5)}, r"teacher must output shape \(n, 1\)"),
    ],
)
def test_bad_parameters_fail_before_training(params, match):
    X, y, Xp, _ = _privileged_problem(n=40)
    clf = _tiny(NeuralDistillationClassifier, **params)
    # Parameter mistakes raise InvalidParameterError (a ValueError); data mistakes the
    # plain ValueError; the shapes a module cannot take are found by a dry run.
    expected = ValueError if "cannot process" in match or "output shape" in match \
        else InvalidParameterError
    with pytest.raises(expected, match=match):
        clf.fit(X, y, X_priv=Xp)
    assert not hasattr(clf, "history_") and not hasattr(clf, "_state")


def test_the_spec_names_agree_with_the_network_builder():
    from lupi_ts.neural import _estimators, _specs

    assert _estimators.SPEC_NAMES == _specs.SPEC_NAMES


@pytest.mark.parametrize("cls", [NeuralDistillationClassifier, NeuralDistillationRegressor])
def test_lr_is_a_deprecated_alias_of_learning_rate(cls):
    X, y, Xp, score = _privileged_problem(n=40)
    target = y if cls is NeuralDistillationClassifier else score
    new = _tiny(cls, learning_rate=0.05, max_epochs=2).fit(X, target, X_priv=Xp)
    with pytest.warns(FutureWarning, match="lr was renamed learning_rate"):
        old = _tiny(cls, lr=0.05, learning_rate=1.0, max_epochs=2).fit(X, target, X_priv=Xp)
    assert _same(_weights(new.student_), _weights(old.student_))
    with pytest.raises(InvalidParameterError, match="'lr' parameter"):
        _tiny(cls, lr=-1.0).fit(X, target, X_priv=Xp)


def test_predict_checks_the_window_shape():
    X, y, Xp, _ = _privileged_problem(n=40)
    clf = _tiny(NeuralDistillationClassifier, max_epochs=1).fit(X, y, X_priv=Xp)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :3, :])
    with pytest.raises(ValueError, match=r"fitted on samples of shape \(4, 2\)"):
        clf.predict(X[:, :, :1])


@pytest.mark.parametrize("cls", [NeuralDistillationClassifier, NeuralDistillationRegressor])
def test_save_load_round_trip(cls, tmp_path):
    X, y, Xp, score = _privileged_problem(n=60, classes=3)
    target = np.array(["low", "mid", "high"])[y] if cls is NeuralDistillationClassifier else score
    est = _tiny(cls, teacher="lstm", student=MLP(8, 3 if cls is NeuralDistillationClassifier
                                                  else 1, hidden=(5,)),
                heteroscedastic_dropout=True, hint_weight=0.1, max_epochs=2)
    est.fit(X, target, X_priv=Xp)
    path = tmp_path / "model.pt"
    est.save(path)
    loaded = cls.load(path)
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    assert loaded.history_ == est.history_
    for name in ("teacher_", "student_", "hint_regressor_", "dropout_"):
        assert _same(_weights(getattr(loaded, name)), _weights(getattr(est, name)))
    assert loaded.get_params()["imitation"] == est.imitation
    if cls is NeuralDistillationClassifier:
        np.testing.assert_array_equal(loaded.classes_, est.classes_)
        np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))
    # the refit of a loaded estimator works (its params are a valid configuration)
    clone(loaded).set_params(max_epochs=1).fit(X, target, X_priv=Xp)


def test_load_refuses_other_versions_classes_and_pickles(tmp_path):
    X, y, Xp, _ = _privileged_problem(n=40)
    clf = _tiny(NeuralDistillationClassifier, max_epochs=1).fit(X, y, X_priv=Xp)
    path = tmp_path / "model.pt"
    clf.save(path)
    with pytest.raises(ValueError, match="NeuralDistillationClassifier.load"):
        NeuralDistillationRegressor.load(path)
    archive = torch.load(path, weights_only=True)
    config = json.loads(archive["config"])
    config["format_version"] = 999
    torch.save({"config": json.dumps(config), "state": archive["state"]}, tmp_path / "v.pt")
    with pytest.raises(ValueError, match="format version 999"):
        NeuralDistillationClassifier.load(tmp_path / "v.pt")
    # a file holding arbitrary Python objects is refused, never unpickled
    torch.save({"config": "{}", "payload": _Evil()}, tmp_path / "evil.pt")
    with pytest.raises(ValueError, match="evil.pt is not a lupi-ts checkpoint") as info:
        NeuralDistillationClassifier.load(tmp_path / "evil.pt")
    assert not _Evil.called
    _assert_no_unsafe_advice(info.value)


def _assert_no_unsafe_advice(exc):
    # torch's own message advises weights_only=False: unsafe, and no cure for a bad file.
    text = str(exc)
    assert "weights_only=False" not in text and "weights_only` set to `False" not in text
    assert exc.__cause__ is None and (exc.__context__ is None or exc.__suppress_context__)


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"not a checkpoint at all" * 20, "text"),
        (b"", "empty"),
        (None, "truncated"),
        ("numpy", "a NumPy file"),
        ("no-config", "a torch archive of plain tensors"),
        ("bad-json", "a torch archive with a non-JSON config"),
    ],
)
def test_load_names_a_corrupt_or_foreign_file(tmp_path, content, what):
    X, y, Xp, _ = _privileged_problem(n=40)
    path = tmp_path / "broken.pt"
    if content is None:  # a real checkpoint cut in half, as an interrupted copy leaves it
        good = tmp_path / "good.pt"
        _tiny(NeuralDistillationClassifier, max_epochs=1).fit(X, y, X_priv=Xp).save(good)
        path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif content == "numpy":
        with path.open("wb") as fh:
            np.save(fh, np.zeros(3))
    elif content == "no-config":
        torch.save({"weight": torch.zeros(3)}, path)
    elif content == "bad-json":
        torch.save({"config": "{not json", "state": {}}, path)
    else:
        path.write_bytes(content)
    with pytest.raises(ValueError, match=r"broken\.pt is not a lupi-ts checkpoint") as info:
        NeuralDistillationClassifier.load(path)
    assert "NeuralDistillationClassifier.save" in str(info.value), what
    _assert_no_unsafe_advice(info.value)


def test_load_of_a_missing_file_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.pt"):
        NeuralDistillationRegressor.load(tmp_path / "missing.pt")


def test_save_refuses_foreign_modules(tmp_path):
    X, y, Xp, _ = _privileged_problem(n=40)
    foreign = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(8, 1))
    clf = _tiny(NeuralDistillationClassifier, student=foreign, max_epochs=1).fit(X, y, X_priv=Xp)
    with pytest.raises(ValueError, match="cannot save without pickling"):
        clf.save(tmp_path / "m.pt")


class _Evil:
    called = False

    def __reduce__(self):
        return (_mark_called, ())


def _mark_called():
    _Evil.called = True
    return None


def test_lupi_ts_imports_without_torch():
    code = textwrap.dedent(
        """
        import importlib.abc, sys

        # torch "not installed": a finder that refuses it. (sys.modules["torch"] = None
        # would also block it, but scipy's array-API helpers crash on a None entry.)
        class NoTorch(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path, target=None):
                if name.split(".")[0] == "torch":
                    raise ModuleNotFoundError(f"No module named {name!r}")

        sys.meta_path.insert(0, NoTorch())
        import lupi_ts, lupi_ts.neural
        assert "torch" not in sys.modules
        from lupi_ts.neural import NeuralDistillationClassifier
        clf = NeuralDistillationClassifier(max_epochs=1)
        try:
            clf.fit([[0.0], [1.0]], [0, 1])
        except ImportError as exc:
            assert 'pip install "lupi-ts[torch]"' in str(exc), exc
        else:
            raise AssertionError("fit without torch must fail")
        try:
            lupi_ts.neural.MLP
        except ImportError as exc:
            assert 'pip install "lupi-ts[torch]"' in str(exc), exc
        else:
            raise AssertionError("networks without torch must fail")
        # the literal recipe works once scipy is initialised: None blocks the import too
        sys.meta_path.pop(0)
        sys.modules["torch"] = None
        try:
            lupi_ts.neural.resolve_device("cpu")
        except ImportError as exc:
            assert 'pip install "lupi-ts[torch]"' in str(exc), exc
        else:
            raise AssertionError("resolve_device without torch must fail")
        print("ok")
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_cross_validation_slices_x_priv_with_x():
    from sklearn.model_selection import TimeSeriesSplit, cross_val_score

    X, y, Xp, _ = _privileged_problem(n=90)
    est = _tiny(NeuralDistillationClassifier, max_epochs=2)
    cv = TimeSeriesSplit(3)
    scores = cross_val_score(est, X, y, cv=cv, params={"X_priv": Xp})
    manual = [clone(est).fit(X[tr], y[tr], X_priv=Xp[tr]).score(X[te], y[te])
              for tr, te in cv.split(X)]
    np.testing.assert_array_equal(scores, manual)


# ------------------------------------------------------- the distillation core's steps
def test_teacher_outputs_reproduce_the_network_teachers_distillation():
    # The student's seeds and batches do not depend on where the logits came from.
    X, y, Xp, _ = _privileged_problem(n=80)
    a = _tiny(NeuralDistillationClassifier, temperature=2.0).fit(X, y, X_priv=Xp)
    with torch.no_grad():
        z = a.teacher_(torch.tensor(Xp, dtype=torch.float32)).double().numpy()[:, 0]
    b = _tiny(NeuralDistillationClassifier, temperature=2.0).fit(X, y, teacher_outputs=z)
    assert b.teacher_ is None and b.priv_shape_ is None
    assert _same(_weights(a.student_), _weights(b.student_))
    assert a.history_["student"] == b.history_["student"] and "teacher" not in b.history_
    with pytest.raises(ValueError, match="teacher_outputs or X_priv"):
        _tiny(NeuralDistillationClassifier).fit(X, y, X_priv=Xp, teacher_outputs=z)
    with pytest.raises(ValueError, match="teacher_outputs"):
        _tiny(NeuralDistillationClassifier).fit(X, y, teacher_outputs=z[:-1])


def test_generalized_objective_fits_the_mixed_targets_at_t1():
    X, y, Xp, _ = _privileged_problem(n=80)
    z = np.linspace(-3, 3, 80)
    # λ = 0: both objectives are the hard-label cross-entropy, to the bit.
    kw = dict(imitation=0.0, temperature=3.0)
    h = _tiny(NeuralDistillationClassifier, objective="hinton", **kw).fit(X, y, teacher_outputs=z)
    g = _tiny(NeuralDistillationClassifier, objective="generalized", **kw).fit(
        X, y, teacher_outputs=z)
    assert _same(_weights(h.student_), _weights(g.student_))
    # λ > 0, T > 1: "generalized" is the cross-entropy to (1 - λ) y + λ σ(z / T) at T = 1,
    # so with a negligible step its first-epoch loss is that of the initial student.
    lam, T = 0.6, 3.0
    g = _tiny(NeuralDistillationClassifier, objective="generalized", imitation=lam,
              temperature=T, learning_rate=1e-12, max_epochs=1).fit(X, y, teacher_outputs=z)
    target = (1 - lam) * y + lam / (1 + np.exp(-z / T))
    with torch.no_grad():
        f = g.student_(torch.tensor(X, dtype=torch.float32))[:, 0].double()
    expected = torch.nn.functional.binary_cross_entropy_with_logits(
        f, torch.tensor(target)).item()
    assert g.history_["student"]["train_loss"][0] == pytest.approx(expected, rel=1e-5)
    h = _tiny(NeuralDistillationClassifier, objective="hinton", imitation=lam, temperature=T,
              learning_rate=1e-12, max_epochs=1).fit(X, y, teacher_outputs=z)
    assert h.history_["student"]["train_loss"][0] != pytest.approx(expected, rel=1e-3)


def test_regressor_objectives_differ_by_a_constant_only():
    X, _, Xp, score = _privileged_problem(n=60)
    t = score + np.random.default_rng(1).normal(size=60)
    kw = dict(imitation=0.4, learning_rate=1e-12, max_epochs=1)
    h = _tiny(NeuralDistillationRegressor, objective="hinton", **kw).fit(
        X, score, teacher_outputs=t)
    g = _tiny(NeuralDistillationRegressor, objective="generalized", **kw).fit(
        X, score, teacher_outputs=t)
    ys, ts = (score - h.y_mean_) / h.y_scale_, (t - h.y_mean_) / h.y_scale_
    constant = 0.4 * 0.6 * np.mean((ys - ts) ** 2)
    gap = h.history_["student"]["train_loss"][0] - g.history_["student"]["train_loss"][0]
    assert gap == pytest.approx(constant, rel=1e-4)


def test_scikit_learn_teachers_and_teacher_inputs():
    from sklearn.linear_model import LogisticRegression

    from lupi_ts import CrossFittedTeacher, RidgeTeacher

    X, y, Xp, _ = _privileged_problem(n=90)
    X2, Xp2 = X.reshape(90, -1), Xp.reshape(90, -1)
    clf = _tiny(NeuralDistillationClassifier, teacher=LogisticRegression(), max_epochs=2)
    clf.fit(X2, y, X_priv=Xp2)
    assert isinstance(clf.teacher_, LogisticRegression) and clf.priv_shape_ == (12,)
    assert clf.teacher_.n_features_in_ == 12 and clf.hint_regressor_ is None
    # x* with the last input step of x: a cross-fitted ridge teacher of the change
    change = Xp2[:, -1] - X2[:, -1]
    clf = _tiny(NeuralDistillationClassifier, teacher=CrossFittedTeacher(RidgeTeacher()),
                teacher_inputs="last", n_step_features=2, max_epochs=2)
    clf.fit(X2, y, X_priv=Xp2, teacher_target=change)
    assert clf.priv_shape_ == (14,) and clf.teacher_scale_ == pytest.approx(change.std())
    # the regressor takes scikit-learn regressors
    reg = _tiny(NeuralDistillationRegressor, teacher=RidgeTeacher(), max_epochs=2)
    reg.fit(X2, change, X_priv=Xp2)
    assert reg.predict(X2).shape == (90,)
    with pytest.raises(ValueError, match="cannot save without pickling"):
        clf.save("unused.pt")


@pytest.mark.parametrize(
    ("inputs", "shape"), [("privileged", (6, 2)), ("deployable", (4, 2)), ("both", (20,)),
                          ("last", (14,))],
)
def test_teacher_inputs_choose_what_the_teacher_sees(inputs, shape):
    X, y, Xp, _ = _privileged_problem(n=40)
    if len(shape) == 1:  # "both" and "last" join columns: flattened windows
        X, Xp = X.reshape(40, -1), Xp.reshape(40, -1)
    clf = _tiny(NeuralDistillationClassifier, teacher_inputs=inputs, n_step_features=2,
                max_epochs=1).fit(X, y, X_priv=Xp)
    assert clf.priv_shape_ == shape


def test_core_mistakes_give_clear_errors():
    X, y, Xp, score = _privileged_problem(n=40)
    with pytest.raises(ValueError, match="both must be 2-D"):
        _tiny(NeuralDistillationClassifier, teacher_inputs="both").fit(X, y, X_priv=Xp)
    with pytest.raises(ValueError, match="network teacher fits y"):
        _tiny(NeuralDistillationClassifier).fit(X, y, X_priv=Xp, teacher_target=score)
    with pytest.raises(ValueError, match="hint losses .* need a network teacher"):
        _tiny(NeuralDistillationClassifier, hint_weight=1.0).fit(
            X, y, teacher_outputs=np.zeros(40))
    with pytest.raises(ValueError, match="heteroscedastic_dropout needs"):
        _tiny(NeuralDistillationClassifier, heteroscedastic_dropout=True).fit(
            X, y, teacher_outputs=np.zeros(40))
    with pytest.raises(InvalidParameterError, match="objective"):
        _tiny(NeuralDistillationClassifier, objective="kl").fit(X, y, X_priv=Xp)
    with pytest.raises(InvalidParameterError, match="teacher_inputs"):
        _tiny(NeuralDistillationRegressor, teacher_inputs="all").fit(X, score, X_priv=Xp)


def test_sample_weight_scales_the_rows_losses():
    X, y, Xp, _ = _privileged_problem(n=60)
    a = _tiny(NeuralDistillationClassifier, max_epochs=3).fit(X, y, X_priv=Xp,
                                                              sample_weight=np.ones(60))
    b = _tiny(NeuralDistillationClassifier, max_epochs=3).fit(X, y, X_priv=Xp,
                                                              sample_weight=np.full(60, 3.0))
    assert _same(_weights(a.student_), _weights(b.student_))  # scaled to mean 1
    plain = _tiny(NeuralDistillationClassifier, max_epochs=3).fit(X, y, X_priv=Xp)
    np.testing.assert_allclose(plain.predict_proba(X), a.predict_proba(X), rtol=1e-5)
    w = np.r_[np.ones(30), np.full(30, 5.0)]
    c = _tiny(NeuralDistillationClassifier, max_epochs=3).fit(X, y, X_priv=Xp, sample_weight=w)
    assert not _same(_weights(a.teacher_), _weights(c.teacher_))
    assert not _same(_weights(a.student_), _weights(c.student_))


def test_old_checkpoints_with_lr_load(tmp_path):
    X, y, Xp, _ = _privileged_problem(n=40)
    clf = _tiny(NeuralDistillationClassifier, max_epochs=1).fit(X, y, X_priv=Xp)
    path = tmp_path / "model.pt"
    clf.save(path)
    archive = torch.load(path, weights_only=True)
    config = json.loads(archive["config"])
    params = config["params"]
    params["lr"] = params.pop("learning_rate")  # as format version 1 files were written
    for key in ("teacher_inputs", "n_step_features", "objective"):
        del params[key]
    for key in ("n_priv_features_in_", "teacher_scale_", "teacher_saturation_"):
        del config["fitted"][key]
    torch.save({"config": json.dumps(config), "state": archive["state"]}, tmp_path / "old.pt")
    loaded = NeuralDistillationClassifier.load(tmp_path / "old.pt")
    assert loaded.learning_rate == 0.03 and loaded.lr == "deprecated"
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
