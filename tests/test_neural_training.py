"""lupi_ts.neural.train_module: the one loop of the estimators, autoencoders and fine-tuning."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="train_module needs the optional torch extra")

from lupi_ts.neural import seed_scope, train_module  # noqa: E402


def _problem(n=40):
    x = torch.linspace(-1, 1, n)[:, None]
    return x, 2.0 * x - 0.5


def _run(seed=0, **kw):
    x, y = _problem()
    with seed_scope(seed) as gen:
        net = torch.nn.Linear(1, 1)
        history = train_module(net, lambda idx: ((net(x[idx]) - y[idx]) ** 2).mean(), len(x),
                               generator=gen, **{"max_epochs": 5, "batch_size": 8, **kw})
    return net, history


def test_same_generator_same_weights_and_the_loss_decreases():
    a, ha = _run(learning_rate=0.05)
    b, hb = _run(learning_rate=0.05)
    c, _ = _run(seed=1, learning_rate=0.05)
    assert torch.equal(a.weight, b.weight) and ha == hb
    assert not torch.equal(a.weight, c.weight)
    assert len(ha["train_loss"]) == 5 and ha["val_loss"] == []
    assert ha["train_loss"][-1] < ha["train_loss"][0]


def test_train_loss_is_the_row_weighted_mean_of_the_batch_losses():
    # 10 rows in batches of 4: 4 + 4 + 2; learning_rate 0 keeps the weights fixed, so
    # every batch loss is the loss of those rows under the initial weights.
    x, y = _problem(10)
    net = torch.nn.Linear(1, 1)
    with torch.no_grad():
        full = float(((net(x) - y) ** 2).mean())
    history = train_module(net, lambda idx: ((net(x[idx]) - y[idx]) ** 2).mean(), 10,
                           max_epochs=1, batch_size=4, learning_rate=0.0)
    assert history["train_loss"][0] == pytest.approx(full, rel=1e-6)


def test_early_stopping_stops_and_restores_the_best_epoch():
    x, y = _problem()
    net = torch.nn.Linear(1, 1)
    # A held-out loss that gets worse after the second epoch: training stops after
    # n_iter_no_change more epochs and the weights of epoch 2 come back.
    calls, saved = [], []

    def val_loss():
        calls.append(1)
        saved.append(net.weight.detach().clone())
        return torch.tensor([3.0, 1.0, 2.0, 2.5, 4.0, 0.0][len(calls) - 1])

    history = train_module(net, lambda idx: ((net(x[idx]) - y[idx]) ** 2).mean(), len(x),
                           max_epochs=6, learning_rate=0.1, val_loss=val_loss,
                           n_iter_no_change=2)
    assert history["val_loss"] == [3.0, 1.0, 2.0, 2.5]
    assert len(history["train_loss"]) == 4
    assert torch.equal(net.weight, saved[1])


def test_after_step_runs_after_every_step_without_gradients():
    x, y = _problem(10)
    net = torch.nn.Linear(1, 1)
    seen = []

    def after_step():
        seen.append(torch.is_grad_enabled())
        net.bias.zero_()  # allowed: runs under no_grad

    train_module(net, lambda idx: ((net(x[idx]) - y[idx]) ** 2).mean(), 10, max_epochs=2,
                 batch_size=4, after_step=after_step)
    assert seen == [False] * 6
    assert float(net.bias.detach()) == 0.0


def test_several_modules_share_one_optimiser():
    x, y = _problem()
    a, b = torch.nn.Linear(1, 1), torch.nn.Linear(1, 1)
    before = [a.weight.detach().clone(), b.weight.detach().clone()]
    train_module([a, b], lambda idx: ((b(a(x[idx])) - y[idx]) ** 2).mean(), len(x),
                 max_epochs=2, learning_rate=0.1)
    assert not torch.equal(a.weight, before[0]) and not torch.equal(b.weight, before[1])
    assert a.training and b.training


def test_the_autoencoder_detector_speaks_the_shared_vocabulary():
    import numpy as np
    from sklearn.utils._param_validation import InvalidParameterError

    from lupi_ts.anomaly import AutoencoderDetector

    X = np.sin(np.linspace(0, 20, 120))[:, None] * np.ones((1, 2))
    new = AutoencoderDetector(window=4, hidden=2, max_epochs=2, random_state=0).fit(X)
    assert len(new.loss_curve_) == 2
    with pytest.warns(FutureWarning, match="epochs was renamed max_epochs"):
        old = AutoencoderDetector(window=4, hidden=2, epochs=2, max_epochs=9,
                                  random_state=0).fit(X)
    np.testing.assert_array_equal(old.decision_function(X), new.decision_function(X))
    decayed = AutoencoderDetector(window=4, hidden=2, max_epochs=2, weight_decay=0.1,
                                  random_state=0).fit(X)
    assert decayed.loss_curve_ != new.loss_curve_
    for params, name in [({"learning_rate": 0.0}, "learning_rate"), ({"window": 1}, "window"),
                         ({"architecture": "gru"}, "architecture"),
                         ({"device": "quantum"}, "device"), ({"max_epochs": 0}, "max_epochs")]:
        with pytest.raises(InvalidParameterError, match=name):
            AutoencoderDetector(**params).fit(X)
