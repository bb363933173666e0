"""Training throughput and inference latency of lupi_ts.neural's networks.

For each predictor (MLP, temporal CNN, GRU, LSTM) the reference is a plain
PyTorch loop (Adam, cross-entropy, the same batches) on the same network; the
estimator's numbers are reported as ratios to it, so the table shows what the
scikit-learn wrapper, the distillation loss and the robust input-gradient term
cost. Autoencoders get the reconstruction loop, the same training through
:func:`lupi_ts.neural.train_module` (the one loop the estimators, the
autoencoder detector and fine-tuning share) as a ratio to it, and inference.

Run ``python benchmarks/bench_neural.py`` (add ``--quick`` for a smoke run);
it uses CPU, and the GPU as well when one is available. Timings on a shared
machine are noisy: compare the ratios within one run.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time

import numpy as np
import torch

from lupi_ts.neural import (
    MLP,
    ConvAutoencoder,
    DenseAutoencoder,
    NeuralDistillationClassifier,
    RecurrentAutoencoder,
    RecurrentNet,
    TemporalCNN,
    seed_scope,
    train_module,
)

PREDICTORS = {
    "mlp": ("mlp", lambda L, C: MLP(L * C, 1)),
    "cnn": ("cnn", lambda L, C: TemporalCNN(C, 1)),
    "gru": ("gru", lambda L, C: RecurrentNet(C, 1, cell="gru")),
    "lstm": ("lstm", lambda L, C: RecurrentNet(C, 1, cell="lstm")),
}
AUTOENCODERS = {
    "dense-ae": lambda L, C: DenseAutoencoder(L * C),
    "conv-ae": lambda L, C: ConvAutoencoder(C),
    "lstm-ae": lambda L, C: RecurrentAutoencoder(C),
}


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def _best_of(rounds, fn, *args, **kwargs):
    # The fastest of a few rounds: on a shared machine, slower rounds measure the neighbours.
    return max(fn(*args, **kwargs) for _ in range(rounds))


def _plain_loop(net, X, y, epochs, batch, device, loss_fn):
    """Reference: the shortest correct mini-batch training loop."""
    net = copy.deepcopy(net).to(device).train()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    X, y = X.to(device), y.to(device)
    g = torch.Generator().manual_seed(0)
    _sync(device)
    start = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(len(X), generator=g).to(device)
        for i in range(0, len(X), batch):
            idx = order[i:i + batch]
            opt.zero_grad(set_to_none=True)
            loss_fn(net, X[idx], y[idx]).backward()
            opt.step()
    _sync(device)
    return len(X) * epochs / (time.perf_counter() - start)


def _shared_loop(net, X, y, epochs, batch, device, loss_fn):
    """The same training through lupi_ts.neural.train_module (what the library runs)."""
    net = copy.deepcopy(net).to(device)
    X, y = X.to(device), y.to(device)
    _sync(device)
    start = time.perf_counter()
    train_module(net, lambda idx: loss_fn(net, X[idx], y[idx]), len(X), max_epochs=epochs,
                 batch_size=batch, learning_rate=1e-3,
                 generator=torch.Generator().manual_seed(0), device=device)
    _sync(device)
    return len(X) * epochs / (time.perf_counter() - start)


def _bce(net, x, y):
    return torch.nn.functional.binary_cross_entropy_with_logits(net(x)[:, 0], y)


def _recon(net, x, y):
    return ((net(x) - x) ** 2).mean()


def _fitted(spec, X, y, device, epochs=1, batch=64, **kw):
    est = NeuralDistillationClassifier(
        teacher=spec, student=spec, max_epochs=epochs, batch_size=batch, learning_rate=1e-3,
        device=str(device), random_state=0, **kw,
    )
    return est.fit(X, y)


def _estimator_rate(spec, X, y, epochs, batch, device, **kw):
    # Teacher and student are the same network on the same windows, so one fit
    # trains 2 * n * epochs windows.
    start = time.perf_counter()
    _fitted(spec, X, y, device, epochs, batch, **kw)
    _sync(device)
    return 2 * len(X) * epochs / (time.perf_counter() - start)


def _latency_ms(fn, repeats):
    for _ in range(5):  # warm-up
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def _inference(net, X, device, repeats):
    net = net.to(device).eval()
    one = X[:1].to(device)
    big = X[:1024].to(device)

    def run(x):
        with torch.no_grad():
            net(x)
        _sync(device)

    lat = _latency_ms(lambda: run(one), repeats)
    big_ms = _latency_ms(lambda: run(big), max(3, repeats // 20))
    return lat, len(big) / (big_ms / 1e3)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2048, help="training windows")
    parser.add_argument("--length", type=int, default=32)
    parser.add_argument("--channels", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=200, help="latency repetitions")
    parser.add_argument("--rounds", type=int, default=3, help="keep the best of this many")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--quick", action="store_true", help="tiny sizes for a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.n, args.epochs, args.repeats, args.rounds = 256, 1, 20, 1
    if args.threads:
        torch.set_num_threads(args.threads)

    rng = np.random.default_rng(0)
    Xn = rng.normal(size=(args.n, args.length, args.channels)).astype(np.float32)
    yn = (Xn[:, -4:, 0].sum(axis=1) > 0).astype(np.int64)
    X, y = torch.from_numpy(Xn), torch.from_numpy(yn.astype(np.float32))
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    L, C = args.length, args.channels

    print(f"windows {args.n} x ({L}, {C}), batch {args.batch_size}, {args.epochs} epochs, "
          f"best of {args.rounds} rounds, torch {torch.__version__}, "
          f"{torch.get_num_threads()} CPU threads\n")
    print("| device | network | params | plain loop (windows/s) | estimator / plain "
          "| + robust_eps / plain | latency 1 window (ms) | predict() 1 window (ms) "
          "| inference (windows/s, batch 1024) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for device in devices:
        for name, (spec, build) in PREDICTORS.items():
            with seed_scope(0):
                net = build(L, C)
            params = sum(p.numel() for p in net.parameters())
            _plain_loop(net, X[:128], y[:128], 1, args.batch_size, device, _bce)  # warm-up
            fit = (args.epochs, args.batch_size, device)
            ref = _best_of(args.rounds, _plain_loop, net, X, y, *fit, _bce)
            est_rate = _best_of(args.rounds, _estimator_rate, spec, Xn, yn, *fit)
            rob_rate = _best_of(args.rounds, _estimator_rate, spec, Xn, yn, *fit, robust_eps=0.1)
            est = _fitted(spec, Xn[:256], yn[:256], device)
            lat, thr = _inference(est.student_, X, device, args.repeats)
            pred_ms = _latency_ms(lambda e=est: e.predict(Xn[:1]), args.repeats)
            print(f"| {device.type} | {name} | {params:,} | {ref:,.0f} | {est_rate / ref:.2f} "
                  f"| {rob_rate / ref:.2f} | {lat:.3f} | {pred_ms:.3f} | {thr:,.0f} |")
        for name, build in AUTOENCODERS.items():
            with seed_scope(0):
                net = build(L, C)
            params = sum(p.numel() for p in net.parameters())
            _plain_loop(net, X[:128], y[:128], 1, args.batch_size, device, _recon)  # warm-up
            ref = _best_of(args.rounds, _plain_loop, net, X, y, args.epochs, args.batch_size,
                           device, _recon)
            shared = _best_of(args.rounds, _shared_loop, net, X, y, args.epochs,
                              args.batch_size, device, _recon)
            lat, thr = _inference(net, X, device, args.repeats)
            print(f"| {device.type} | {name} | {params:,} | {ref:,.0f} | {shared / ref:.2f}* "
                  f"| – | {lat:.3f} | – | {thr:,.0f} |")
    print("\nestimator / plain: training throughput of NeuralDistillationClassifier.fit "
          "(teacher + student, same network) relative to the plain loop; below 1 is the "
          "wrapper's cost (validation, soft labels, distillation loss). *autoencoders: "
          "train_module relative to the plain loop (the shared loop's own cost).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
