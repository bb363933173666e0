"""
Compressing a distilled student for deployment
==============================================

A neural student (:class:`lupi_ts.neural.NeuralDistillationClassifier`, an MLP distilled
from a teacher on the BAO privileged steps of the Mackey-Glass direction task) is pruned
and quantized with :mod:`lupi_ts.compress`, and each stage is measured: serialized size,
latency of one window at a time (as deployed) and test accuracy. Needs the ``torch`` extra.
"""

# %%
from functools import partial

import matplotlib.pyplot as plt
import numpy as np
import torch

from lupi_ts import make_task_windows, split_blocks
from lupi_ts.compress import (
    CompressionPipeline,
    compression_report,
    fine_tune,
    prune_magnitude,
    quantize_dynamic,
)
from lupi_ts.neural import NeuralDistillationClassifier

# A network this small trains fastest on one thread (several threads only contend).
torch.set_num_threads(1)

w = make_task_windows("mackey-glass", privileged="BAO")
train, val, test = split_blocks(w, (300, 100, 4000), random_state=0)
model = NeuralDistillationClassifier(
    imitation=0.5, temperature=2.0, max_epochs=30, batch_size=64, device="cpu", random_state=0
)
model.fit(w.X[train], w.y[train], X_priv=w.X_priv[train])
print(f"student test accuracy: {model.score(w.X[test], w.y[test]):.3f}")
student = model.student_  # a torch.nn.Module in eval mode
print(student)

# %%
# The pipeline returns every stage, starting with the original network: magnitude
# pruning (70 % of the weights set to zero), a few epochs of fine-tuning that keep the
# zeros, then dynamic int8 quantization. Pruned weights are still stored densely, so
# pruning alone does not shrink the file; it prepares sparse or smaller formats.

X_train = w.X[train].astype(np.float32)
pipe = CompressionPipeline(
    [
        ("prune 70%", partial(prune_magnitude, sparsity=0.7)),
        ("fine-tune", partial(fine_tune, X=X_train, y=w.y[train], max_epochs=15,
                              random_state=0, device="cpu")),
        ("int8", quantize_dynamic),
    ]
)
stages = pipe.run(student)
X_test = torch.as_tensor(w.X[test], dtype=torch.float32)


def accuracy(module):
    with torch.no_grad():
        logits = module(X_test).reshape(-1)  # one logit: P(rise) = sigmoid(logit)
    return float(np.mean((logits > 0).numpy().astype(int) == w.y[test]))


rows = compression_report(stages, X_test[:64], batch_sizes=(1,), repeats=5, min_time=0.005)
for (name, module), row in zip(stages, rows):
    row["accuracy"] = accuracy(module)
    print(f"{name:>10}: {row['state_bytes']:>7} bytes, accuracy {row['accuracy']:.3f}")

# %%
fig, ax = plt.subplots(figsize=(6, 3.6))
names = [r["stage"] for r in rows]
ax.bar(names, [r["state_bytes"] / 1024 for r in rows], color="tab:blue")
ax.set_ylabel("serialized size (KiB)")
for i, r in enumerate(rows):
    ax.text(i, r["state_bytes"] / 1024, f"acc {r['accuracy']:.3f}", ha="center", va="bottom")
ax.set_title("Compression stages of the distilled student")
fig.tight_layout()
