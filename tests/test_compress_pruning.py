"""Magnitude pruning: the zeros are really there, structured pruning really removes units."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")
nn = torch.nn

from lupi_ts.compress import (  # noqa: E402
    count_nonzero,
    fine_tune,
    prune_magnitude,
    prune_structured,
    weight_sparsity,
)
from lupi_ts.neural import (  # noqa: E402
    MLP,
    ConvAutoencoder,
    DenseAutoencoder,
    RecurrentNet,
    TemporalCNN,
)


def _net(seed=0, widths=(12, 20, 9, 1)):
    torch.manual_seed(seed)
    layers = []
    for a, b in zip(widths[:-1], widths[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


@settings(max_examples=25, deadline=None)
@given(sparsity=st.floats(0.0, 0.99), seed=st.integers(0, 10_000))
def test_layer_pruning_zeroes_exactly_the_smallest_weights(sparsity, seed):
    net = _net(seed)
    before = [m.weight.detach().clone() for m in net if isinstance(m, nn.Linear)]
    pruned = prune_magnitude(net, sparsity, scope="layer")
    after = [m.weight.detach() for m in pruned if isinstance(m, nn.Linear)]
    for w0, w1 in zip(before, after):
        zero = (w1 == 0).numpy()
        assert zero.sum() == int(round(sparsity * w0.numel()))
        kept, dropped = np.abs(w0.numpy()[~zero]), np.abs(w0.numpy()[zero])
        if kept.size and dropped.size:
            assert dropped.max() <= kept.min()
        # surviving weights are unchanged
        np.testing.assert_array_equal(w1.numpy()[~zero], w0.numpy()[~zero])
    # the input network is not modified
    assert all(torch.equal(w, m.weight) for w, m in zip(before, [m for m in net
                                                             if isinstance(m, nn.Linear)]))


@settings(max_examples=15, deadline=None)
@given(sparsity=st.floats(0.0, 0.95), seed=st.integers(0, 10_000))
def test_global_pruning_uses_one_threshold(sparsity, seed):
    net = _net(seed)
    w0 = np.concatenate([m.weight.detach().numpy().ravel() for m in net
                         if isinstance(m, nn.Linear)])
    pruned = prune_magnitude(net, sparsity, scope="global")
    w1 = np.concatenate([m.weight.detach().numpy().ravel() for m in pruned
                         if isinstance(m, nn.Linear)])
    zero = w1 == 0
    assert zero.sum() == int(round(sparsity * w0.size))
    if zero.any() and (~zero).any():
        assert np.abs(w0[zero]).max() <= np.abs(w0[~zero]).min()
    assert weight_sparsity(pruned) == pytest.approx(zero.mean())


def test_pruning_conv_layers_and_biases_kept():
    net = TemporalCNN(3, 1, channels=(8, 8))
    pruned = prune_magnitude(net, 0.5)
    nonzero, total = count_nonzero(pruned)
    assert total == 3 * 8 * 3 + 8 * 8 * 3 + 8
    assert nonzero == total - sum(int(round(0.5 * m.weight.numel())) for m in
                                  (net.body[0], net.body[2], net.head))
    assert torch.equal(pruned.body[0].bias, net.body[0].bias)


@pytest.mark.parametrize("bad", [-0.1, 1.0, 1.5, "0.5", None, True, float("nan")])
def test_bad_sparsity_is_rejected(bad):
    with pytest.raises(ValueError, match="sparsity"):
        prune_magnitude(_net(), bad)
    with pytest.raises(ValueError, match="sparsity"):
        prune_structured(_net(), bad)


def test_bad_scope_and_unsupported_module():
    with pytest.raises(ValueError, match="scope"):
        prune_magnitude(_net(), 0.5, scope="row")
    with pytest.raises(ValueError, match="Linear or nn.Conv1d"):
        prune_magnitude(nn.GRU(3, 4), 0.5)
    with pytest.raises(TypeError, match="torch.nn.Module"):
        prune_magnitude(np.zeros(3), 0.5)


def test_structured_pruning_removes_lowest_norm_units():
    torch.manual_seed(0)
    net = MLP(8, 1, hidden=(32, 16))
    small = prune_structured(net, 0.5)
    l1, l2, head = net.body[0], net.body[2], net.head
    assert small.body[0].weight.shape == (16, 8)
    assert small.body[2].weight.shape == (8, 16)
    assert small.head.weight.shape == (1, 8)
    assert small.config["hidden"] == [16, 8] and small.hidden_features == 8
    # independently: keep the units with the largest L1 norm of incoming weights
    keep1 = np.sort(np.argsort(-np.abs(l1.weight.detach().numpy()).sum(1), kind="stable")[:16])
    keep2 = np.sort(np.argsort(-np.abs(l2.weight.detach().numpy()).sum(1), kind="stable")[:8])
    np.testing.assert_array_equal(small.body[0].weight.detach().numpy(),
                                  l1.weight.detach().numpy()[keep1])
    np.testing.assert_array_equal(small.body[2].weight.detach().numpy(),
                                  l2.weight.detach().numpy()[keep2][:, keep1])
    np.testing.assert_array_equal(small.head.weight.detach().numpy(),
                                  head.weight.detach().numpy()[:, keep2])
    # the small net equals the big one with the removed units cut off (numpy forward)
    x = np.random.default_rng(1).normal(size=(5, 8)).astype(np.float32)
    h1 = np.maximum(x @ l1.weight.detach().numpy().T + l1.bias.detach().numpy(), 0)
    h1[:, np.setdiff1d(np.arange(32), keep1)] = 0
    h2 = np.maximum(h1 @ l2.weight.detach().numpy().T + l2.bias.detach().numpy(), 0)
    h2[:, np.setdiff1d(np.arange(16), keep2)] = 0
    expected = h2 @ head.weight.detach().numpy().T + head.bias.detach().numpy()
    with torch.no_grad():
        got = small(torch.as_tensor(x)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "net, x",
    [
        (TemporalCNN(3, 2, channels=(10, 6)), torch.randn(4, 12, 3)),
        (DenseAutoencoder(12, hidden=(10,), latent=4), torch.randn(4, 4, 3)),
        (ConvAutoencoder(3, channels=(8, 4)), torch.randn(4, 11, 3)),
    ],
)
def test_structured_pruning_of_the_other_networks(net, x):
    small = prune_structured(net, 0.5)
    with torch.no_grad():
        assert small(x).shape == net(x).shape
    convs = [m for m in small.modules() if isinstance(m, (nn.Conv1d, nn.Linear))]
    original = [m for m in net.modules() if isinstance(m, (nn.Conv1d, nn.Linear))]
    for a, b in zip(convs[:-1], original[:-1]):
        assert a.weight.shape[0] == b.weight.shape[0] - b.weight.shape[0] // 2
    assert sum(p.numel() for p in small.parameters()) < sum(p.numel() for p in net.parameters())
    if isinstance(net, TemporalCNN):
        assert small.config["channels"] == [5, 3] and small.hidden_features == 3
    else:  # the decoder no longer mirrors the encoder: no constructor config describes it
        assert not hasattr(small, "config")
        assert small.hidden_features == 2  # the code width 4 loses half its units


def test_structured_pruning_rejects_recurrent_and_non_chain_networks():
    with pytest.raises(ValueError, match="GRU"):
        prune_structured(RecurrentNet(2, 1, hidden_size=4), 0.5)
    flat = nn.Sequential(nn.Conv1d(2, 4, 3), nn.Flatten(), nn.Linear(4 * 6, 1))
    with pytest.raises(ValueError, match="Flatten"):
        prune_structured(flat, 0.5)

    class Reordered(nn.Module):  # registration order differs from the data flow
        def __init__(self):
            super().__init__()
            self.second = nn.Linear(16, 16)
            self.first = nn.Linear(16, 16)
            self.out = nn.Linear(16, 1)

        def forward(self, x):
            return self.out(torch.relu(self.second(torch.relu(self.first(x)))))

    with pytest.raises(ValueError, match="chain"):
        prune_structured(Reordered(), 0.5)
    with pytest.raises(ValueError, match="at least two"):
        prune_structured(nn.Linear(3, 2), 0.5)


def test_fine_tuning_keeps_pruned_weights_at_zero():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 12)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.float32)
    pruned = prune_magnitude(_net(), 0.8)
    tuned = fine_tune(pruned, X, y, soft=np.full(64, 0.5), max_epochs=3, learning_rate=1e-2)
    for a, b in zip(pruned, tuned):
        if isinstance(a, nn.Linear):
            zero = a.weight == 0
            assert torch.all(b.weight[zero] == 0)
            assert not torch.equal(a.weight[~zero], b.weight[~zero])  # training happened
    free = fine_tune(pruned, X, y, max_epochs=3, learning_rate=1e-2, keep_zeros=False)
    assert weight_sparsity(free) < weight_sparsity(pruned)
