"""Losses of lupi_ts.neural against hand-computed values and gradients."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")  # the whole module needs the optional extra

from scipy.special import expit, log_softmax, softmax  # noqa: E402

from lupi_ts._distill import distillation_targets, soft_labels  # noqa: E402
from lupi_ts.neural import (  # noqa: E402
    HeteroscedasticDropout,
    HintRegressor,
    hint_loss,
    input_gradient_penalty,
    regression_distillation_loss,
    soft_distillation_loss,
)

F = torch.nn.functional
D = torch.float64  # hand computations in float64 so comparisons can be tight


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _binary_case():
    z_s = np.array([1.5, -0.3, 0.0, 2.2])
    z_t = np.array([0.5, -2.0, 1.0, 3.0])
    y = np.array([1.0, 0.0, 1.0, 0.0])
    return z_s, z_t, y


def _multi_case():
    z_s = np.array([[1.0, 0.0, -1.0], [0.2, 0.3, 2.0], [-1.0, 1.5, 0.0]])
    z_t = np.array([[2.0, -1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 3.0, -2.0]])
    y = np.array([0, 2, 1])
    return z_s, z_t, y


def _hand_binary(z_s, z_t, y, lam, T):
    """Per-sample value and d/dz_s, written out from the definitions."""
    q1, p = expit(z_s), expit(z_t / T)
    hard = -(y * np.log(q1) + (1 - y) * np.log(1 - q1))
    qT = expit(z_s / T)
    kl = p * np.log(p / qT) + (1 - p) * np.log((1 - p) / (1 - qT))
    value = (1 - lam) * hard + lam * T**2 * kl
    # d hard/dz = sigmoid(z) - y;  d (T² KL)/dz = T² (sigmoid(z/T) - p) / T
    grad = (1 - lam) * (q1 - y) + lam * T * (qT - p)
    return value, grad


def _hand_multi(z_s, z_t, y, lam, T):
    onehot = np.eye(z_s.shape[1])[y]
    hard = -(onehot * log_softmax(z_s, axis=1)).sum(axis=1)
    p = softmax(z_t / T, axis=1)
    kl = (p * (np.log(p) - log_softmax(z_s / T, axis=1))).sum(axis=1)
    value = (1 - lam) * hard + lam * T**2 * kl
    grad = (1 - lam) * (softmax(z_s, axis=1) - onehot) + lam * T * (softmax(z_s / T, axis=1) - p)
    return value, grad


def _torch_loss(z_s, z_t, y, lam, T, multi):
    z = torch.tensor(z_s, dtype=D, requires_grad=True)
    # The teacher's soft labels come from the shared numpy arithmetic, as in the estimators.
    p = torch.tensor(soft_labels(z_t, T), dtype=D)
    target = torch.tensor(y, dtype=torch.long if multi else D)
    per_sample = soft_distillation_loss(z, target, p, imitation=lam, temperature=T,
                                        reduction="none")
    per_sample.sum().backward()
    return per_sample.detach().numpy(), z.grad.numpy()


@pytest.mark.parametrize("multi", [False, True], ids=["binary", "multiclass"])
@pytest.mark.parametrize("lam", [0.0, 0.3, 1.0])
@pytest.mark.parametrize("T", [1.0, 2.0, 5.0])
def test_soft_distillation_matches_hand_computation(multi, lam, T):
    z_s, z_t, y = _multi_case() if multi else _binary_case()
    value, grad = _torch_loss(z_s, z_t, y, lam, T, multi)
    hand_value, hand_grad = (_hand_multi if multi else _hand_binary)(z_s, z_t, y, lam, T)
    np.testing.assert_allclose(value, hand_value, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grad, hand_grad, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("multi", [False, True], ids=["binary", "multiclass"])
def test_lambda_limits(multi):
    z_s, z_t, y = _multi_case() if multi else _binary_case()
    z = torch.tensor(z_s, dtype=D)
    p = torch.tensor(soft_labels(z_t, 3.0), dtype=D)
    target = torch.tensor(y, dtype=torch.long if multi else D)
    # λ = 0: plain cross-entropy, whatever the teacher says
    plain = F.cross_entropy(z, target) if multi else F.binary_cross_entropy_with_logits(z, target)
    zero = soft_distillation_loss(z, target, p, imitation=0.0, temperature=3.0)
    torch.testing.assert_close(zero, plain)
    # λ = 1: the labels are ignored
    flipped = (2 - target) if multi else (1 - target)
    one_a = soft_distillation_loss(z, target, p, imitation=1.0, temperature=3.0)
    one_b = soft_distillation_loss(z, flipped, p, imitation=1.0, temperature=3.0)
    torch.testing.assert_close(one_a, one_b)
    # ... and a student equal to the teacher has zero loss.
    teacher = torch.tensor(z_t, dtype=D)
    perfect = soft_distillation_loss(teacher, target, p, imitation=1.0, temperature=3.0)
    assert abs(float(perfect)) < 1e-12


def test_t_squared_scaling():
    # The soft term is T² times the KL at temperature T (not the bare KL).
    z_s, z_t, y = _binary_case()
    for T in (1.0, 4.0):
        p = torch.tensor(soft_labels(z_t, T), dtype=D)
        z = torch.tensor(z_s, dtype=D)
        loss = soft_distillation_loss(z, torch.tensor(y, dtype=D), p, imitation=1.0,
                                      temperature=T)
        q = torch.sigmoid(z / T)
        kl = (p * torch.log(p / q) + (1 - p) * torch.log((1 - p) / (1 - q))).mean()
        torch.testing.assert_close(loss, T**2 * kl)


@pytest.mark.parametrize("lam", [0.25, 0.7])
def test_t1_gradient_equals_mixed_target_cross_entropy(lam):
    # At T = 1 the neural loss and the linear estimators' mixed targets agree.
    z_s, z_t, y = _binary_case()
    _, grad = _torch_loss(z_s, z_t, y, lam, 1.0, multi=False)
    mixed = distillation_targets(y, z_t, imitation=lam, temperature=1.0)
    np.testing.assert_allclose(grad, expit(z_s) - mixed, rtol=1e-10)


def test_soft_loss_handles_hard_teacher_probabilities():
    z = torch.tensor([0.5, -0.5], dtype=D, requires_grad=True)
    p = torch.tensor([1.0, 0.0], dtype=D)  # a teacher that is certain: 0 log 0 terms
    loss = soft_distillation_loss(z, torch.tensor([1.0, 0.0], dtype=D), p, imitation=0.5)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(z.grad).all()


def test_soft_loss_bad_input():
    z = torch.zeros(3)
    y = torch.zeros(3)
    with pytest.raises(ValueError, match="imitation"):
        soft_distillation_loss(z, y, torch.zeros(3), imitation=1.5)
    with pytest.raises(ValueError, match="temperature"):
        soft_distillation_loss(z, y, torch.zeros(3), imitation=0.5, temperature=-1.0)
    with pytest.raises(ValueError, match="same shape"):
        soft_distillation_loss(z, y, torch.zeros(3, 2), imitation=0.5)
    with pytest.raises(ValueError, match="reduction"):
        soft_distillation_loss(z, y, torch.zeros(3), imitation=0.5, reduction="max")
    with pytest.raises(ValueError, match="1-D or 2-D"):
        soft_distillation_loss(torch.zeros(2, 2, 2), y, torch.zeros(2, 2, 2), imitation=0.5)


@pytest.mark.parametrize("lam", [0.0, 0.4, 1.0])
def test_regression_distillation_value_and_gradient(lam):
    f = torch.tensor([[1.0, 2.0], [0.5, -1.0]], dtype=D, requires_grad=True)
    y = torch.tensor([[0.0, 2.5], [1.0, 1.0]], dtype=D)
    t = torch.tensor([[2.0, 2.0], [0.0, -3.0]], dtype=D)
    loss = regression_distillation_loss(f, y, t, imitation=lam)
    loss.backward()
    fn, yn, tn = f.detach().numpy(), y.numpy(), t.numpy()
    hand = ((1 - lam) * (fn - yn) ** 2 + lam * (fn - tn) ** 2).mean()
    np.testing.assert_allclose(float(loss.detach()), hand, rtol=1e-12)
    hand_grad = 2 * ((1 - lam) * (fn - yn) + lam * (fn - tn)) / fn.size
    np.testing.assert_allclose(f.grad.numpy(), hand_grad, rtol=1e-12)
    with pytest.raises(ValueError, match="same shape"):
        regression_distillation_loss(f, y[:, :1], t, imitation=lam)


def test_hint_loss_value_gradient_and_detached_teacher():
    reg = HintRegressor(2, 3).double()
    with torch.no_grad():
        reg.linear.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]))
        reg.linear.bias.copy_(torch.tensor([0.0, 1.0, -1.0]))
    h_s = torch.tensor([[1.0, 2.0], [0.0, -1.0]], dtype=D, requires_grad=True)
    h_t = torch.tensor([[1.0, 4.0, 0.0], [2.0, 0.0, 1.0]], dtype=D, requires_grad=True)
    loss = hint_loss(h_s, h_t, reg)
    # mapped = [[1, 5, 2], [0, -1, -2]]; errors² = [[0, 1, 4], [4, 1, 9]]
    assert float(loss.detach()) == pytest.approx(((0 + 1 + 4) / 3 + (4 + 1 + 9) / 3) / 2)
    loss.backward()
    assert h_t.grad is None  # the teacher is never trained by the hint
    mapped = h_s.detach() @ reg.linear.weight.T + reg.linear.bias
    # d/dh_s of mean_i mean_j (r(h_s) - h_t)² = 2 (r - h_t) W / (n * width)
    hand = 2 * (mapped - h_t.detach()) @ reg.linear.weight / (2 * 3)
    torch.testing.assert_close(h_s.grad, hand.detach())
    with pytest.raises(ValueError, match="teacher representation"):
        hint_loss(h_s, h_t[:, :2], reg)


def test_input_gradient_penalty_hand_values():
    x = torch.tensor([[3.0, 4.0], [0.0, 1.0]], dtype=D, requires_grad=True)
    # l_i = ½||x_i||²: the gradient is x_i, its norm ||x_i|| → eps * mean(5, 1)
    pen = input_gradient_penalty(0.5 * (x**2).sum(dim=1), x, eps=0.1)
    assert float(pen.detach()) == pytest.approx(0.1 * 3.0)
    # differentiable in the parameters: l_i = w·x_i gives eps ||w||, gradient eps w / ||w||
    w = torch.tensor([3.0, -4.0], dtype=D, requires_grad=True)
    pen = input_gradient_penalty(x @ w, x, eps=0.5)
    assert float(pen.detach()) == pytest.approx(0.5 * 5.0)
    pen.backward()
    torch.testing.assert_close(w.grad, 0.5 * w.detach() / 5.0)


def test_input_gradient_penalty_checks_and_zero():
    x = torch.ones(3, 2, requires_grad=True)
    loss = (x**2).sum(dim=1)
    assert float(input_gradient_penalty(loss, x, eps=0.0)) == 0.0
    with pytest.raises(ValueError, match="eps"):
        input_gradient_penalty(loss, x, eps=-0.1)
    with pytest.raises(ValueError, match="per_sample_loss"):
        input_gradient_penalty(loss.sum(), x, eps=0.1)


def test_heteroscedastic_dropout_identity_at_test_time_and_noise_in_training():
    torch.manual_seed(0)
    drop = HeteroscedasticDropout(2, 3, hidden=(4,)).double()
    h = torch.full((20000, 3), 2.0, dtype=D)
    xp = torch.zeros(20000, 2, dtype=D)
    drop.eval()
    assert torch.equal(drop(h, xp), h)
    drop.train()
    assert torch.equal(drop(h), h)  # no privileged data: nothing to predict the noise from
    out = drop(h, xp)
    sigma = drop.scale(xp[:1]).detach()[0]  # same x* for every row: one scale per unit
    # h ⊙ (1 + σ ε): mean h, standard deviation σ h (5-sigma tolerances on 20000 draws)
    mean_tol = 5 * (sigma * 2.0) / np.sqrt(20000)
    assert ((out.mean(dim=0) - 2.0).abs() < mean_tol).all()
    torch.testing.assert_close(out.std(dim=0), sigma * 2.0, rtol=0.05, atol=0)
    # the privileged branch learns through the reparameterised noise
    out = drop(h[:50], torch.randn(50, 2, dtype=D))
    out.pow(2).mean().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in drop.parameters())
