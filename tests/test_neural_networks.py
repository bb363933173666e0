"""Networks of lupi_ts.neural: shapes, hidden representations, scripting, seeding, errors."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")  # the whole module needs the optional extra

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from lupi_ts.neural import (  # noqa: E402
    MLP,
    ConvAutoencoder,
    DenseAutoencoder,
    RecurrentAutoencoder,
    RecurrentNet,
    TemporalCNN,
    make_network,
    resolve_device,
    seed_scope,
    set_seed,
)

N, LENGTH, CHANNELS = 5, 7, 3


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    # Tiny networks: one thread avoids oversubscription on a shared 2-core runner.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _predictors():
    return [
        MLP(LENGTH * CHANNELS, 2, hidden=(6, 4)),
        TemporalCNN(CHANNELS, 2, channels=(4, 5)),
        RecurrentNet(CHANNELS, 2, hidden_size=6, cell="gru"),
        RecurrentNet(CHANNELS, 2, hidden_size=6, num_layers=2, cell="lstm"),
    ]


def _autoencoders():
    return [
        DenseAutoencoder(LENGTH * CHANNELS, hidden=(6,), latent=3),
        ConvAutoencoder(CHANNELS, channels=(4, 2)),
        RecurrentAutoencoder(CHANNELS, hidden_size=4, cell="lstm"),
        RecurrentAutoencoder(CHANNELS, hidden_size=4, cell="gru"),
    ]


@pytest.mark.parametrize("net", _predictors(), ids=lambda n: type(n).__name__)
def test_predictor_shapes_and_hidden(net):
    x = torch.randn(N, LENGTH, CHANNELS)
    out = net(x)
    assert out.shape == (N, 2)
    h = net.hidden(x)
    assert h.shape == (N, net.hidden_features)
    # forward is the head applied to the hidden representation (what hints rely on)
    torch.testing.assert_close(net.head(h), out)


def test_mlp_flat_and_window_inputs_agree():
    net = MLP(LENGTH * CHANNELS, 1, hidden=(4,))
    x = torch.randn(N, LENGTH, CHANNELS)
    torch.testing.assert_close(net(x), net(x.reshape(N, -1)))


@pytest.mark.parametrize("net", [TemporalCNN(1, 1, channels=(3,)), RecurrentNet(1, 1, 4)],
                         ids=["cnn", "gru"])
def test_sequence_models_read_flat_input_as_univariate(net):
    x = torch.randn(N, LENGTH)
    torch.testing.assert_close(net(x), net(x.unsqueeze(-1)))


# A dense autoencoder has a fixed input size; the others take any window length.
_AE_CASES = [(net, LENGTH) for net in _autoencoders()] + [
    (net, 12) for net in _autoencoders() if not isinstance(net, DenseAutoencoder)
]


@pytest.mark.parametrize(("net", "length"), _AE_CASES,
                         ids=[f"{type(n).__name__}-{k}" for n, k in _AE_CASES])
def test_autoencoder_reconstruction_shape(net, length):
    x = torch.randn(N, length, CHANNELS)
    assert net(x).shape == x.shape
    code = net.encode(x)
    assert code.shape[0] == N
    torch.testing.assert_close(net.hidden(x), code)


# torch 2.13 deprecates TorchScript, but compress/export still offers it.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("net", _predictors() + _autoencoders(), ids=lambda n: type(n).__name__)
def test_networks_script_with_torchscript(net):
    # lupi_ts.compress exports students with TorchScript: forward and hidden must compile.
    x = torch.randn(N, LENGTH, CHANNELS)
    scripted = torch.jit.script(net)
    torch.testing.assert_close(scripted(x), net(x))
    torch.testing.assert_close(scripted.hidden(x), net.hidden(x))


# torch's own nn.LSTM assigns _flat_weights during export (a torch quirk, not ours).
@pytest.mark.filterwarnings("ignore:The tensor attributes:UserWarning")
@pytest.mark.parametrize("net", [RecurrentNet(CHANNELS, 2, hidden_size=4, cell="lstm"),
                                 ConvAutoencoder(CHANNELS, channels=(3,))],
                         ids=["RecurrentNet", "ConvAutoencoder"])
def test_networks_export_with_torch_export(net):
    x = torch.randn(N, LENGTH, CHANNELS)
    exported = torch.export.export(net.eval(), (x,))
    torch.testing.assert_close(exported.module()(x), net(x))


def test_autoencoder_can_learn_identity():
    with seed_scope(0):
        ae = DenseAutoencoder(4, hidden=(8,), latent=4)
        x = torch.randn(64, 4)
    opt = torch.optim.Adam(ae.parameters(), lr=0.02)
    first = None
    for _ in range(150):
        opt.zero_grad()
        loss = ((ae(x) - x) ** 2).mean()
        first = float(loss.detach()) if first is None else first
        loss.backward()
        opt.step()
    assert float(loss.detach()) < 0.2 * first


@pytest.mark.parametrize(
    "build, match",
    [
        (lambda: MLP(0, 1), "in_features"),
        (lambda: MLP(3, 1, hidden=(4, -1)), r"hidden\[1\]"),
        (lambda: MLP(3, 1, dropout=1.0), "dropout"),
        (lambda: TemporalCNN(2, 1, channels=()), "channels"),
        (lambda: TemporalCNN(2, 1, kernel_size=0), "kernel_size"),
        (lambda: RecurrentNet(2, 1, cell="rnn"), "cell"),
        (lambda: RecurrentNet(2, 1, hidden_size=2.5), "hidden_size"),
        (lambda: DenseAutoencoder(4, latent=0), "latent"),
        (lambda: RecurrentAutoencoder(2, cell="transformer"), "cell"),
        (lambda: make_network("resnet", input_shape=(3,), out_features=1, name="student"),
         "student"),
        (lambda: make_network({"hidden": [3]}, input_shape=(3,), out_features=1, name="teacher"),
         "name"),
        (lambda: make_network({"name": "mlp", "width": 3}, input_shape=(3,), out_features=1,
                              name="student"), "invalid option"),
        (lambda: make_network({"name": "mlp", "in_features": 3}, input_shape=(3,),
                              out_features=1, name="student"), "in_features"),
    ],
)
def test_bad_arguments_name_the_parameter(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_make_network_specs():
    assert isinstance(make_network("mlp", input_shape=(4, 2), out_features=3), MLP)
    assert make_network("mlp", input_shape=(4, 2), out_features=3).config["in_features"] == 8
    cnn = make_network({"name": "cnn", "channels": [5]}, input_shape=(4, 2), out_features=1)
    assert isinstance(cnn, TemporalCNN) and cnn.config["channels"] == [5]
    assert make_network("lstm", input_shape=(9,), out_features=1).config["in_channels"] == 1
    instance = MLP(3, 1)
    copy = make_network(instance, input_shape=(3,), out_features=1)
    assert copy is not instance
    copy.head.weight.data.zero_()
    assert instance.head.weight.abs().sum() > 0  # the estimator's parameter is untouched


def test_seed_scope_gives_identical_weights_and_restores_global_state():
    before = torch.random.get_rng_state()
    with seed_scope(7):
        a = MLP(4, 2)
    with seed_scope(7):
        b = MLP(4, 2)
    with seed_scope(8):
        c = MLP(4, 2)
    assert torch.equal(torch.random.get_rng_state(), before)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not torch.equal(a.head.weight, c.head.weight)


def test_set_seed_and_devices():
    with pytest.raises(ValueError, match="seed"):
        set_seed(-1)
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError, match="device"):
        resolve_device("tpu-9000")
    with pytest.raises(ValueError, match="device"):
        resolve_device(3)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            resolve_device("cuda")


# Even kernels are allowed; torch only notes that "same" padding then costs a copy.
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")
@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(1, 4),
    length=st.integers(1, 9),
    channels=st.integers(1, 3),
    kernel=st.integers(1, 4),
)
def test_shapes_hold_for_any_window_size(n, length, channels, kernel):
    x = torch.randn(n, length, channels)
    assert TemporalCNN(channels, 2, channels=(3,), kernel_size=kernel)(x).shape == (n, 2)
    assert ConvAutoencoder(channels, channels=(2,), kernel_size=kernel)(x).shape == x.shape
    assert RecurrentAutoencoder(channels, hidden_size=2)(x).shape == x.shape
    assert MLP(length * channels, 1, hidden=(2,))(x).shape == (n, 1)
