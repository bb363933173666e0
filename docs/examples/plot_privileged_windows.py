"""
Privileged windows: AI, M and BAO
=================================

:func:`lupi_ts.make_privileged_windows` cuts a series into windows. The student sees the
``input_length`` steps up to :math:`t`; the label is the direction of the target from
:math:`t` to :math:`t+k`; the teacher sees privileged steps from the future of the window,
chosen by ``privileged``:

* ``"AI"`` (after input): the :math:`m` steps right after :math:`t`;
* ``"M"`` (middle): the :math:`m` steps centred on :math:`t + k/2`;
* ``"BAO"`` (before and after the outcome): :math:`m/2` steps just before and :math:`m/2`
  just after :math:`t+k`;
* ``"ALL"``: every step between :math:`t` and :math:`t+k` (the trajectory LuPTS uses).

The outcome step :math:`t + k` itself is never a privileged input. Below, the setting of
the Mackey-Glass task of Hayashi et al. (2019): 4 input steps, horizon 8, 2 privileged
steps.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from lupi_ts import make_privileged_windows

series = np.arange(40.0)  # a ramp: each value is its own time step
kinds = ["AI", "M", "BAO", "ALL"]
windows = {
    kind: make_privileged_windows(
        series, input_length=4, horizon=8, privileged=kind, privileged_length=2
    )
    for kind in kinds
}
for kind, w in windows.items():
    print(f"{kind:>3}: inputs at offsets {list(w.input_offsets)}, "
          f"privileged at offsets {list(w.privileged_offsets)}")

# %%
# The offsets relative to the last input step :math:`t`:

fig, ax = plt.subplots(figsize=(8, 3.2))
k = 8
for row, kind in enumerate(kinds):
    w = windows[kind]
    y = len(kinds) - 1 - row
    ax.scatter(w.input_offsets, [y] * len(w.input_offsets), marker="s", s=120,
               color="tab:blue", label="input x (student)" if row == 0 else None)
    ax.scatter(w.privileged_offsets, [y] * len(w.privileged_offsets), marker="D", s=120,
               color="tab:orange", label="privileged x* (teacher)" if row == 0 else None)
    ax.scatter([k], [y], marker="*", s=260, color="tab:red",
               label="outcome x[t+k] (label)" if row == 0 else None)
ax.axvline(0.5, color="grey", lw=0.8, ls="--")
ax.text(0.6, len(kinds) - 0.45, "prediction time t", color="grey", fontsize=8)
ax.set_yticks(range(len(kinds)), kinds[::-1])
ax.set_xticks(range(-3, k + 3))
ax.set_xlabel("offset from the last input step t")
ax.set_ylim(-0.6, len(kinds) - 0.2)
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=3, frameon=False)
ax.set_title("Privileged window types (input_length=4, horizon=8, privileged_length=2)")
fig.tight_layout()

# %%
# What the arrays hold for the first BAO window: the student's inputs, the teacher's
# privileged steps, and the label (1: the series rises from :math:`t` to :math:`t+k`).

w = windows["BAO"]
print("feature names :", w.feature_names)
print("privileged    :", w.priv_feature_names)
print("X[0]          :", w.X[0])
print("X_priv[0]     :", w.X_priv[0])
print("y[0]          :", w.y[0], "(x[t+k] =", w.y_value[0], ")")
