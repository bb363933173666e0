"""Tests for lupi_ts.lupts.RepresentationLuPTSRegressor (needs torch)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from lupi_ts.lupts import LuPTSRegressor, RepresentationLuPTSRegressor  # noqa: E402


@parametrize_with_checks([RepresentationLuPTSRegressor(max_epochs=3, random_state=0, device="cpu")])
def test_sklearn_compatible(estimator, check):
    check(estimator)


def latent_system(n, seed, sample_seed, T=5, d=3):
    rng = np.random.default_rng(seed)
    mats = [0.9 * np.eye(d) + rng.normal(0, 0.2, (d, d)) for _ in range(T - 1)]
    beta = rng.normal(size=d)
    rng = np.random.default_rng([seed, sample_seed])
    z = [rng.normal(size=(n, d))]
    for A in mats:
        z.append(z[-1] @ A + 0.5 * rng.normal(size=(n, d)))
    x = [np.tanh(v) + 0.2 * v**3 for v in z]
    return x[0], np.stack(x[1:], axis=1), z[-1] @ beta + 0.3 * rng.normal(size=n)


def test_learns_and_is_reproducible():
    X, P, y = latent_system(120, 0, 0)
    Xt, _, yt = latent_system(1000, 0, 1)
    kw = dict(max_epochs=60, learning_rate=1e-2, random_state=1, device="cpu")
    m = RepresentationLuPTSRegressor(**kw).fit(X, y, X_priv=P)
    assert m.n_steps_ == 4 and len(m.history_["train_loss"]) == 60
    assert m.history_["train_loss"][-1] < m.history_["train_loss"][0]
    mse = np.mean((m.predict(Xt) - yt) ** 2)
    assert mse < np.var(yt)  # better than predicting the mean
    # The trajectory is what helps: the same model trained on (X, y) alone is worse.
    alone = RepresentationLuPTSRegressor(**kw).fit(X, y)
    assert alone.n_steps_ == 0 and np.mean((alone.predict(Xt) - yt) ** 2) > 1.1 * mse
    again = RepresentationLuPTSRegressor(**kw).fit(X, y, X_priv=P)
    np.testing.assert_array_equal(again.predict(Xt), m.predict(Xt))
    # The deployed predictor is closed-form LuPTS on the learned codes.
    F0 = m._encode(m.encoder_x_, X, m._x_params)
    F = m._encode(m.encoder_priv_, P.reshape(-1, 3), m._priv_params).reshape(120, 4, -1)
    ref = LuPTSRegressor(regularization="ridge", alpha=1.0).fit(F0, y, X_priv=F)
    np.testing.assert_allclose(m.predict(X), ref.predict(F0), atol=1e-8)
