"""Low-rank factorisation: factors reproduce the truncated SVD and its Frobenius error."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")
nn = torch.nn

from lupi_ts.compress import factorize_layer, low_rank  # noqa: E402
from lupi_ts.neural import ConvAutoencoder, RecurrentNet  # noqa: E402


def _svd_tail(w, r):
    s = np.linalg.svd(w.reshape(w.shape[0], -1).astype(np.float64), compute_uv=False)
    return float(np.sqrt((s[r:] ** 2).sum()))


@settings(max_examples=20, deadline=None)
@given(out=st.integers(1, 24), fan_in=st.integers(1, 24), rank=st.integers(1, 30),
       seed=st.integers(0, 1000))
def test_linear_factors_have_the_svd_error(out, fan_in, rank, seed):
    torch.manual_seed(seed)
    layer = nn.Linear(fan_in, out)
    pair = factorize_layer(layer, rank)
    r = min(rank, out, fan_in)
    assert pair[0].weight.shape == (r, fan_in) and pair[1].weight.shape == (out, r)
    w = layer.weight.detach().numpy()
    product = (pair[1].weight @ pair[0].weight).detach().numpy()
    assert np.linalg.norm(w - product) == pytest.approx(_svd_tail(w, r), abs=1e-4)
    x = torch.randn(3, fan_in)
    with torch.no_grad():
        expected = x @ torch.as_tensor(product).T + layer.bias
        np.testing.assert_allclose(pair(x).numpy(), expected.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("padding", ["same", 0, 2])
def test_conv_factors_have_the_svd_error(padding):
    torch.manual_seed(0)
    conv = nn.Conv1d(6, 10, 3, padding=padding, dilation=2)
    pair = factorize_layer(conv, 4)
    w = conv.weight.detach().numpy()
    w_r = torch.einsum("or,rik->oik", pair[1].weight[:, :, 0], pair[0].weight)
    assert np.linalg.norm((conv.weight - w_r).detach().numpy()) == pytest.approx(
        _svd_tail(w, 4), abs=1e-4)
    x = torch.randn(2, 6, 15)
    with torch.no_grad():
        expected = nn.functional.conv1d(x, w_r, conv.bias, padding=conv.padding, dilation=2)
        np.testing.assert_allclose(pair(x).numpy(), expected.numpy(), rtol=1e-4, atol=1e-5)
    full = factorize_layer(conv, 100)  # full rank reproduces the layer
    with torch.no_grad():
        np.testing.assert_allclose(full(x).numpy(), conv(x).numpy(), rtol=1e-4, atol=1e-5)


def test_low_rank_replaces_only_layers_that_shrink():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 4), nn.ReLU(),
                        nn.Linear(4, 1))
    small = low_rank(net, rank=8)
    assert isinstance(small[0], nn.Sequential) and small[0][0].weight.shape == (8, 64)
    assert type(small[2]) is nn.Linear  # 8 * (64 + 4) > 64 * 4: no saving
    assert type(small[4]) is nn.Linear
    assert type(net[0]) is nn.Linear  # input unchanged


@pytest.mark.parametrize("energy", [0.5, 0.9, 0.99])
def test_energy_bounds_the_relative_error(energy):
    torch.manual_seed(1)
    net = nn.Sequential(nn.Linear(40, 50))
    small = low_rank(net, energy=energy)
    w = net[0].weight.detach().numpy()
    approx = (small[0][1].weight @ small[0][0].weight).detach().numpy() if isinstance(
        small[0], nn.Sequential) else small[0].weight.detach().numpy()
    rel = np.linalg.norm(w - approx) / np.linalg.norm(w)
    assert rel <= np.sqrt(1 - energy) + 1e-6


def test_low_rank_of_conv_autoencoder_keeps_shapes():
    net = ConvAutoencoder(8, channels=(32, 16), kernel_size=3)
    small = low_rank(net, rank=4)
    x = torch.randn(2, 10, 8)
    with torch.no_grad():
        assert small(x).shape == x.shape
    assert sum(p.numel() for p in small.parameters()) < sum(p.numel() for p in net.parameters())


@pytest.mark.parametrize("kwargs, match", [
    ({"rank": 0}, "rank"), ({"rank": -1}, "rank"), ({"rank": 1.5}, "rank"),
    ({"rank": True}, "rank"), ({"energy": 0.0}, "energy"), ({"energy": 1.5}, "energy"),
    ({}, "exactly one"), ({"rank": 2, "energy": 0.9}, "exactly one"),
])
def test_bad_rank_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        low_rank(nn.Linear(10, 10), **kwargs)


def test_unsupported_layers():
    with pytest.raises(ValueError, match="Linear or nn.Conv1d"):
        low_rank(RecurrentNet(2, 1).rnn, rank=2)
    with pytest.raises(ValueError, match="nn.Linear and nn.Conv1d"):
        factorize_layer(nn.GRU(2, 3), 1)
    with pytest.raises(ValueError, match="groups"):
        factorize_layer(nn.Conv1d(4, 4, 3, groups=2), 1)
