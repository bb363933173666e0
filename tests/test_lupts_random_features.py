"""Tests for lupi_ts.lupts.RandomFeatureLuPTSRegressor (nonlinear LuPTS, random features)."""

from __future__ import annotations

import numpy as np
from sklearn.utils.estimator_checks import parametrize_with_checks

from lupi_ts.lupts import LuPTSRegressor, RandomFeatureLuPTSRegressor


@parametrize_with_checks([RandomFeatureLuPTSRegressor(n_components=20, random_state=0)])
def test_sklearn_compatible(estimator, check):
    check(estimator)


def latent_system(n, seed, sample_seed, T=6, d=3):
    """Linear-Gaussian latent z; nonlinear observations x = tanh(z) + 0.2 z^3; y linear in z_T."""
    rng = np.random.default_rng(seed)
    mats = [0.9 * np.eye(d) + rng.normal(0, 0.2, (d, d)) for _ in range(T - 1)]
    beta = rng.normal(size=d)
    rng = np.random.default_rng([seed, sample_seed])
    z = [rng.normal(size=(n, d))]
    for A in mats:
        z.append(z[-1] @ A + 0.5 * rng.normal(size=(n, d)))
    x = [np.tanh(v) + 0.2 * v**3 for v in z]
    return x[0], np.stack(x[1:], axis=1), z[-1] @ beta + 0.3 * rng.normal(size=n)


def test_trajectory_helps_on_a_nonlinear_latent_system():
    # Same random features with and without the privileged trajectory: the
    # trajectory must lower the test error on most systems at small n.
    better = 0
    for seed in range(10):
        X, P, y = latent_system(60, seed, 0)
        Xt, _, yt = latent_system(2000, seed, 1)
        with_traj = RandomFeatureLuPTSRegressor(random_state=0).fit(X, y, X_priv=P)
        without = RandomFeatureLuPTSRegressor(random_state=0).fit(X, y)
        assert with_traj.n_steps_ == 5 and without.n_steps_ == 0
        better += np.mean((with_traj.predict(Xt) - yt) ** 2) < np.mean(
            (without.predict(Xt) - yt) ** 2
        )
    assert better >= 8


def test_is_linear_lupts_on_the_explicit_features():
    X, P, y = latent_system(50, 0, 0)
    m = RandomFeatureLuPTSRegressor(n_components=30, random_state=3).fit(X, y, X_priv=P)
    F0 = m._features(X, m._x_params)
    F = m._features(P, m._priv_params)
    assert F0.shape == (50, 3 + 30) and F.shape == (50, 5, 3 + 30)
    ref = LuPTSRegressor(regularization="ridge", alpha=1.0).fit(F0, y, X_priv=F)
    np.testing.assert_allclose(m.predict(X), ref.predict(F0), atol=1e-10)
    # The privileged steps share one standardisation and one feature draw.
    pooled = F[:, :, :3].reshape(-1, 3)
    np.testing.assert_allclose(pooled.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(pooled.std(axis=0), 1, atol=1e-12)
    assert np.abs(F[:, 0, :3].mean(axis=0)).max() > 1e-3  # not per step
    again = RandomFeatureLuPTSRegressor(n_components=30, random_state=3).fit(X, y, X_priv=P)
    np.testing.assert_array_equal(again.predict(X), m.predict(X))
    other = RandomFeatureLuPTSRegressor(n_components=30, random_state=4).fit(X, y, X_priv=P)
    assert not np.allclose(other.predict(X), m.predict(X))
    only_rf = RandomFeatureLuPTSRegressor(n_components=30, include_inputs=False, random_state=3)
    assert only_rf.fit(X, y, X_priv=P).lupts_.n_features_in_ == 30
