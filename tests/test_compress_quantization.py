"""Post-training int8 quantization: weights are int8, outputs stay close, bad input is refused."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

from lupi_ts.compress import (  # noqa: E402
    count_nonzero,
    count_parameters,
    is_quantized,
    prune_magnitude,
    quantize_dynamic,
    quantize_static,
    serialized_bytes,
)
from lupi_ts.neural import MLP, RecurrentNet, TemporalCNN  # noqa: E402


def _int8_weights(module):
    out = []
    for m in module.modules():
        w = getattr(m, "weight", None)
        if callable(w):
            out.append(w())
    return out


def test_dynamic_quantization_stores_int8_and_stays_close():
    torch.manual_seed(0)
    net = MLP(20, 1, hidden=(128, 128))
    q = quantize_dynamic(net)
    weights = _int8_weights(q)
    assert len(weights) == 3
    assert all(w.dtype == torch.qint8 and w.int_repr().dtype == torch.int8 for w in weights)
    assert not is_quantized(net) and is_quantized(q)  # the input is left float
    x = torch.randn(64, 20)
    with torch.no_grad():
        ref, got = net(x), q(x)
    assert (got - ref).abs().max() < 0.05 * ref.abs().max() + 1e-3
    assert count_parameters(q) == count_parameters(net)
    assert serialized_bytes(q) < 0.35 * serialized_bytes(net)


def test_dynamic_quantization_of_recurrent_layers():
    q = quantize_dynamic(RecurrentNet(3, 1, hidden_size=8, cell="lstm"))
    assert "quantized.dynamic" in type(q.rnn).__module__
    assert "quantized.dynamic" in type(q.head).__module__
    x = torch.randn(2, 5, 3)
    assert q(x).shape == (2, 1)
    assert count_parameters(q) == count_parameters(RecurrentNet(3, 1, hidden_size=8,
                                                                cell="lstm"))
    with pytest.raises(ValueError, match="Linear, nn.LSTM or nn.GRU"):  # no dynamic int8 conv
        quantize_dynamic(nn.Sequential(nn.Conv1d(2, 3, 3)))


def test_pruned_zeros_survive_quantization():
    net = prune_magnitude(MLP(20, 1, hidden=(64,)), 0.7)
    for q in (quantize_dynamic(net), quantize_static(net, torch.randn(32, 20))):
        assert count_nonzero(q)[0] <= count_nonzero(net)[0]
        assert count_nonzero(q)[1] == count_nonzero(net)[1]


def test_static_quantization_of_linear_and_conv_layers():
    torch.manual_seed(0)
    net = TemporalCNN(3, 1, channels=(16, 16), kernel_size=3)
    calib = torch.randn(128, 20, 3)
    q = quantize_static(net, calib.numpy())  # arrays are accepted as well as tensors
    assert q.float_layers_ == []
    weights = _int8_weights(q)
    assert len(weights) == 3 and all(w.dtype == torch.qint8 for w in weights)
    with torch.no_grad():
        ref, got = net(calib[:32]), q(calib[:32])
    assert (got - ref).abs().max() < 0.1 * ref.abs().max() + 1e-2
    assert count_parameters(q) == count_parameters(net)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")
def test_static_quantization_leaves_unsupported_convs_float():
    # asymmetric "same" padding (torch warns that it copies the input: expected here)
    net = TemporalCNN(2, 1, channels=(4,), kernel_size=2)
    q = quantize_static(net, torch.randn(16, 9, 2))
    assert q.float_layers_ == ["body.0"]
    assert type(q.body[0]) is nn.Conv1d
    assert q(torch.randn(3, 9, 2)).shape == (3, 1)


def test_static_quantization_bad_input():
    with pytest.raises(ValueError, match="no Linear or Conv1d"):
        quantize_static(RecurrentNet(2, 1).rnn, torch.randn(4, 3, 2))
    with pytest.raises(ValueError, match="calibration"):
        quantize_static(MLP(4, 1), np.zeros((0, 4)))
    with pytest.raises(ValueError, match="calibration"):
        quantize_static(MLP(4, 1), "windows")
    with pytest.raises(ValueError, match="engine"):
        quantize_dynamic(MLP(4, 1), engine="tpu")
