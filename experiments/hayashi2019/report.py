"""Files of a Hayashi et al. (2019) run: runs.csv, report.md and the plots.

``report.md`` holds only what its run computed; findings across runs (with
the commands behind them) are in ``docs/findings.md``.
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np

from .. import harness
from .config import AR_TYPE, reg_configs, student_types, target_specs, teacher_regs
from .extra import TRAJECTORY_MODELS, extra_rows
from .models import select


def protocol_notes(cfg, tasks):
    """The report's notes on its own protocol (no number it did not use or compute).

    Findings across runs, variants and seeds are in ``docs/findings.md``, not
    here: a report holds only what its own run computed.
    """
    from lupi_ts import get_task

    sizes = "; ".join(
        f"{t} {' / '.join(map(str, get_task(t).sizes))}" for t in tasks
    )
    if cfg["protocol"]["selection"] == "validation":
        selection = "every choice on the validation block (the paper's protocol)"
    else:
        selection = (
            f"every choice by blocked {cfg['protocol'].get('cv_folds', 5)}-fold cross-validation "
            "over the training and validation blocks, then refitted on both"
        )
    return "\n".join([
        "## Notes on the protocol",
        "",
        f"* Training / validation / test windows per placement: {sizes}; {selection}.",
        "* The baseline is the λ = 0 student of the same grid, so both sides get the same",
        "  amount of tuning; λ = 0 is also a candidate for the student (then it ties).",
        "* p-values: two-sided paired t-test over repeats (Wilcoxon signed-rank in",
        "  summary.json as a check).",
        "* Findings across runs, variants and seeds, each with its command:",
        "  `docs/findings.md` in the lupi-ts repository.",
    ]) + "\n"  # fmt: skip


def write_runs_csv(path, results, cfg):
    regs = reg_configs(cfg["grid"])
    specs = target_specs(cfg)
    tregs = teacher_regs(cfg)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(
        [
            "task", "repeat", "model", "privileged", "imitation", "temperature", "penalty",
            "C", "select_accuracy", "select_log_loss", "test_accuracy", "chosen",
        ]
    )  # fmt: skip
    for task, reps in results.items():
        for r in reps:
            s = r["student"]
            n_t = r["n_targets"]
            for i, (acc, ll, tacc) in enumerate(
                zip(s["select_accuracy"], s["select_log_loss"], s["test_accuracy"])
            ):
                pen, C = regs[i // n_t]
                pi, temp, lam = specs[i % n_t]
                chosen = "+".join(k for k, v in r["chosen"].items() if v == i)
                w.writerow(
                    [task, r["repeat"], "student", pi, lam, temp, pen, C, repr(acc), repr(ll),
                     repr(tacc), chosen]
                )  # fmt: skip
            for pi, tr in r["teachers"].items():
                if pi == AR_TYPE:  # one model, its order chosen by AIC
                    w.writerow(
                        [task, r["repeat"], "teacher", pi, "", "", f"lags={tr['lags']}", "", "",
                         "", repr(tr["test_accuracy"][0]), "teacher"]
                    )  # fmt: skip
                    continue
                for j, (pen, C) in enumerate(tregs):
                    w.writerow(
                        [task, r["repeat"], "teacher", pi, "", "", pen, C,
                         repr(tr["select_accuracy"][j]), repr(tr["select_log_loss"][j]),
                         repr(tr["test_accuracy"][j]), "teacher" if j == tr["chosen"] else ""]
                    )  # fmt: skip
            for name, m in r.get("extra_models", {}).items():
                w.writerow(
                    [task, r["repeat"], name, m["privileged"], "", "",
                     json.dumps(m["params"], sort_keys=True), "", repr(m["select_accuracy"]), "",
                     repr(m["test_accuracy"]), name]
                )  # fmt: skip
            w.writerow(
                [task, r["repeat"], "ar", "", "", "", f"lags={r['ar_baseline']['lags']}", "", "",
                 "", repr(r["ar_baseline"]["test_accuracy"]), "ar_baseline"]
            )  # fmt: skip
    harness.atomic_write_text(path, buf.getvalue())


def fmt_ci(stat):
    lo, hi = stat["ci95"]
    return f"{stat['mean']:.3f} [{lo:.3f}, {hi:.3f}]"


def fmt_delta(d):
    """``Δ [lo, hi] | p | W/T/L`` cells of a paired comparison."""
    lo, hi = d["ci95"]
    return (f"{d['mean']:+.3f} [{lo:+.3f}, {hi:+.3f}] | {d['p_value']:.2g} "
            f"| {d['wins']}/{d['ties']}/{d['losses']}")


def accuracy_by_setting(reps, cfg):
    """Mean test accuracy per (privileged, T, λ) with (penalty, C) chosen by the selection score."""
    specs = target_specs(cfg)
    metric = cfg["protocol"]["metric"]
    n_t = len(specs)
    table = np.zeros(n_t)
    for r in reps:
        acc = np.asarray(r["student"]["select_accuracy"]).reshape(-1, n_t)
        ll = np.asarray(r["student"]["select_log_loss"]).reshape(-1, n_t)
        test = np.asarray(r["student"]["test_accuracy"]).reshape(-1, n_t)
        for k in range(n_t):
            table[k] += test[select(acc[:, k], ll[:, k], metric), k]
    return specs, table / len(reps)


# What each privileged type holds, for the plots' captions (issue: AI/M/BAO were never
# explained next to the figures).
TYPE_MEANINGS = {
    "AI": "AI = the steps just after the input",
    "M": "M = mid-way between input and output",
    "BAO": "BAO = just before and after the output",
    AR_TYPE: "AR = an AutoReg forecaster fitted on the training span (teacher)",
}


def type_title(task, pi):
    """Panel title of a privileged type: its name and the steps it holds (``t + o``)."""
    from lupi_ts import get_task, make_privileged_windows

    if pi == AR_TYPE:
        return "AR teacher"
    t = get_task(task)
    # The offsets of the task's windows, read from windows cut from a dummy series.
    offsets = make_privileged_windows(
        np.arange(4.0 * (t.input_length + t.horizon + 4)), input_length=t.input_length,
        horizon=t.horizon, privileged=pi, privileged_length=t.privileged_length,
    ).privileged_offsets  # fmt: skip
    return f"{pi}: x* = steps {', '.join(f't+{o}' for o in offsets)}"


def caption(task, types):
    """The figure caption: the task's windows and what the privileged types mean."""
    from lupi_ts import get_task

    t = get_task(task)
    meaning = "; ".join(TYPE_MEANINGS.get(pi, pi) for pi in types)
    return (
        f"Inputs x = steps t-{t.input_length - 1}..t, label = 1[x_t <= x_(t+{t.horizon})]; "
        f"x* (privileged, training only): {meaning}."
    )


def _mean_ci(values):
    from lupi_ts.stats import mean_ci

    stat = mean_ci(np.asarray(values, dtype=float))
    return stat["mean"], stat["ci95"]


def imitation_figure(task, reps, cfg):
    """Mean test accuracy against λ per privileged type and T; a legend on every panel."""
    import matplotlib.pyplot as plt

    privileged = student_types(cfg)
    specs, acc = accuracy_by_setting(reps, cfg)
    base_mean, (lo, hi) = _mean_ci([r["baseline_test_accuracy"] for r in reps])
    fig, axes = plt.subplots(1, len(privileged), figsize=(4.2 * len(privileged), 4.0),
                             sharey=True, squeeze=False)  # fmt: skip
    for ax, pi in zip(axes[0], privileged):
        for temp in cfg["grid"]["temperature"]:
            pts = [(0.0, acc[0])] + [
                (lam, acc[k]) for k, (p, tt, lam) in enumerate(specs)
                if p == pi and tt == float(temp)
            ]  # fmt: skip
            pts.sort()
            ax.plot(*zip(*pts), marker="o", label=f"T={temp:g}")
        # Across placements (unpaired): the paired tests are in report.md.
        ax.axhspan(lo, hi, color="0.88", zorder=0, label="baseline mean's 95% CI (unpaired)")
        ax.axhline(base_mean, color="k", ls="--", lw=1, label="baseline (λ=0, selected)")
        ax.set_title(type_title(task, pi), fontsize=9)
        ax.set_xlabel("imitation λ")
        ax.legend(fontsize=6, loc="best")
    axes[0][0].set_ylabel("mean test accuracy")
    fig.suptitle(
        f"{task}: student's mean test accuracy over {len(reps)} placements; "
        "(penalty, C) chosen on validation per setting; paired tests in report.md",
        fontsize=10,
    )
    fig.text(0.5, 0.01, caption(task, privileged), ha="center", va="bottom", fontsize=7,
             wrap=True)  # fmt: skip
    fig.tight_layout(rect=(0, 0.06, 1, 0.95))
    return fig


def delta_figure(results):
    """Paired student − baseline differences per task, with the mean and its 95% CI."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2.6 + 1.8 * len(results), 4.0))
    deltas = [
        [r["student_test_accuracy"] - r["baseline_test_accuracy"] for r in reps]
        for reps in results.values()
    ]
    box = ax.boxplot(deltas, widths=0.5, patch_artist=True,
                     boxprops={"facecolor": "none"})  # fmt: skip
    ax.set_xticks(
        range(1, len(results) + 1), [f"{t}\n({len(d)} placements)" for t, d in zip(results, deltas)]
    )
    for i, d in enumerate(deltas, start=1):
        jitter = np.linspace(-0.15, 0.15, len(d)) if len(d) > 1 else [0.0]
        ax.scatter(i + np.asarray(jitter), d, s=8, alpha=0.6, color="tab:blue",
                   label="one placement" if i == 1 else None)  # fmt: skip
        mean, (lo, hi) = _mean_ci(d) if len(d) > 1 else (d[0], (d[0], d[0]))
        ax.errorbar(i + 0.33, mean, yerr=[[mean - lo], [hi - mean]], fmt="D", color="tab:red",
                    capsize=3, label="mean, 95% CI" if i == 1 else None)  # fmt: skip
    ax.axhline(0.0, color="k", lw=1, label="no difference")
    handles, labels = ax.get_legend_handles_labels()
    handles += [box["boxes"][0], box["medians"][0]]
    labels += ["quartiles (box), 1.5 IQR (whiskers)", "median"]
    ax.legend(handles, labels, fontsize=7, loc="best")
    ax.set_ylabel("student − baseline (test accuracy)")
    ax.set_title("Distillation gain, paired per placement", fontsize=10)
    fig.tight_layout()
    return fig


def models_figure(summary, cfg):
    """Mean test accuracy with 95% CI of every row of the run (one panel per task)."""
    import matplotlib.pyplot as plt

    rows = [("baseline", "baseline (λ=0)"), ("student", "student"),
            ("ar_baseline", "AR baseline")]  # fmt: skip
    rows += [(f"teacher_{pi}", f"teacher {pi}") for pi in student_types(cfg)]
    rows += [(name, name) for name in extra_rows(cfg)]
    tasks = list(summary)
    fig, axes = plt.subplots(1, len(tasks), figsize=(4.6 * len(tasks), 2.0 + 0.32 * len(rows)),
                             squeeze=False)  # fmt: skip
    for ax, task in zip(axes[0], tasks):
        s = summary[task]
        present = [(k, label) for k, label in rows if k in s]
        for i, (key, _) in enumerate(present):
            mean, (lo, hi) = s[key]["mean"], s[key]["ci95"]
            kind = "teacher" if key.startswith("teacher_") else key
            color = {"baseline": "k", "student": "tab:blue", "ar_baseline": "tab:green",
                     "teacher": "0.6"}.get(kind, "tab:orange")  # fmt: skip
            ax.errorbar(mean, i, xerr=[[mean - lo], [hi - mean]], fmt="o", color=color,
                        capsize=3)  # fmt: skip
        ax.set_yticks(range(len(present)), [label for _, label in present], fontsize=7)
        ax.invert_yaxis()
        ax.axvline(s["ar_baseline"]["mean"], color="tab:green", ls=":", lw=1,
                   label="AR baseline mean")  # fmt: skip
        ax.axvline(s["baseline"]["mean"], color="k", ls="--", lw=1, label="baseline mean")
        ax.set_xlabel("test accuracy (mean, 95% CI)")
        ax.set_title(f"{task} ({s['repeats']} placements)", fontsize=10)
        # Below the axes: inside, it hides an interval on some task or other.
        ax.legend(fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=2)
    fig.suptitle(
        "Test accuracy of every row: mean and 95% t-interval over placements (unpaired; "
        "the paired differences are in report.md)",
        fontsize=10,
    )
    types = student_types(cfg)
    note = "Teachers see x* (training only): " + "; ".join(
        TYPE_MEANINGS.get(pi, pi) for pi in types) + "."  # fmt: skip
    trajectory = [name for name in extra_rows(cfg) if name in TRAJECTORY_MODELS]
    if trajectory:
        note += f" {' and '.join(trajectory)}: x* = every step t+1..t+k-1 (the trajectory)."
    fig.text(0.5, 0.01, note, ha="center", va="bottom", fontsize=7, wrap=True)
    fig.tight_layout(rect=(0, 0.05, 1, 0.94))
    return fig


def _save(fig, out, name):
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    harness.atomic_write_bytes(out / name, buf.getvalue())
    return name


def write_plots(out, results, cfg, summary=None):
    import matplotlib

    matplotlib.use("Agg", force=True)

    files = []
    for task, reps in results.items():
        files.append(_save(imitation_figure(task, reps, cfg), out,
                           f"accuracy_vs_imitation_{task}.png"))  # fmt: skip
    files.append(_save(delta_figure(results), out, "delta_distribution.png"))
    if summary is not None:
        files.append(_save(models_figure(summary, cfg), out, "accuracy_by_model.png"))
    return files


def write_report(out, summary, results, cfg):
    plots = write_plots(out, results, cfg, summary)
    privileged = student_types(cfg)
    lines = [
        "# Hayashi et al. (IJCNN 2019): paper vs lupi-ts",
        "",
        f"Selection: **{cfg['protocol']['selection']}** (metric {cfg['protocol']['metric']}), "
        f"teacher inputs: **{cfg['protocol']['teacher_inputs']}**, teacher model: "
        f"**{cfg['protocol'].get('teacher_model', 'classifier')}**"
        + (", plus the AR teacher" if cfg["protocol"].get("ar_teacher", False) else "")
        + f", seed {cfg['run']['seed']}. "
        "Test accuracy, mean over repeats with 95% t-intervals.",
        "",
        "| task | repeats | paper baseline | ours baseline | paper student | ours student "
        "| Δ student − baseline | p (paired t) | W/T/L | AR baseline |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for task, s in summary.items():
        d = s["delta"]
        lines.append(
            f"| {task} | {s['repeats']} | {s['paper']['baseline']:.3f} | {fmt_ci(s['baseline'])} "
            f"| {s['paper']['student']:.3f} | {fmt_ci(s['student'])} | {fmt_delta(d)} "
            f"| {fmt_ci(s['ar_baseline'])} |"
        )
    if cfg["protocol"]["metric"] != "accuracy":
        lines += ["", f"The same students against the baseline chosen by the paper's accuracy "
                  f"rule (λ = 0, same placements; the table above uses the "
                  f"{cfg['protocol']['metric']} rule for both):", "",
                  "| task | baseline (accuracy rule) | student | Δ | p (paired t) | W/T/L |",
                  "|---|---|---|---|---|---|"]  # fmt: skip
        for task, s in summary.items():
            d = s["delta_vs_baseline_by_accuracy"]
            lines.append(
                f"| {task} | {fmt_ci(s['baseline_by_accuracy'])} | {fmt_ci(s['student'])} "
                f"| {fmt_delta(d)} |"
            )
    extra = cfg.get("models", {}).get("extra", [])
    if extra:
        lines += ["", "Other LUPI learners on the same placements (tuned on validation), "
                  "paired against the logistic baseline and against the AR baseline row "
                  "(W/T/L: wins, ties, losses of the row over the placements):", "",
                  "| task | model | test accuracy | Δ vs baseline | p (paired t) | W/T/L "
                  "| Δ vs AR baseline [95% CI] | p (paired t) | W/T/L |",
                  "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
        for task, s in summary.items():
            for name in extra_rows(cfg):
                d = s[f"delta_{name}"]
                row = (
                    f"| {task} | {name} | {fmt_ci(s[name])} | {d['mean']:+.3f} "
                    f"| {d['p_value']:.2g} | {d['wins']}/{d['ties']}/{d['losses']} |"
                )
                a = s.get(f"delta_{name}_vs_ar")
                # Summaries written before the AR comparison existed lack the key.
                lines.append(row + (f" {fmt_delta(a)} |" if a else " - | - | - |"))
        gains = [(t, n, s[f"delta_{n}_vs_baseline"]) for t, s in summary.items()
                 for n in extra if f"delta_{n}_vs_baseline" in s]  # fmt: skip
        if gains:
            lines += ["", "Distillation gain within a model family (distilled minus its own "
                      "λ = 0 baseline, paired):", "",
                      "| task | model | Δ | 95% CI | p (paired t) | W/T/L |",
                      "|---|---|---|---|---|---|"]  # fmt: skip
            for task, name, d in gains:
                lines.append(
                    f"| {task} | {name} | {d['mean']:+.3f} | [{d['ci95'][0]:+.3f}, "
                    f"{d['ci95'][1]:+.3f}] | {d['p_value']:.2g} "
                    f"| {d['wins']}/{d['ties']}/{d['losses']} |"
                )
    lines += ["", "Teachers' own test accuracy (regularisation chosen like the student's):", ""]
    lines.append("| task | " + " | ".join(f"teacher {pi}" for pi in privileged) + " |")
    lines.append("|---|" + "---|" * len(privileged))
    for task, s in summary.items():
        lines.append(
            f"| {task} | " + " | ".join(fmt_ci(s[f"teacher_{pi}"]) for pi in privileged) + " |"
        )
    lines += ["", "Most frequent selected student configurations:", ""]
    for task, s in summary.items():
        top = list(s["selected"]["student"].items())[:5]
        lines.append(f"* {task}: " + "; ".join(f"{k} ({v})" for k, v in top))
        lines.append(
            f"  - privileged type of the selected student: {s['selected']['student_privileged']}"
        )
        for name, counts in s.get("selected_models", {}).items():
            top = list(counts.items())[:4]
            lines.append(f"  - {name}: " + "; ".join(f"{k} ({v})" for k, v in top))
    lines += ["", "Plots: " + ", ".join(f"[{p}]({p})" for p in plots), ""]
    lines.append(protocol_notes(cfg, list(summary)))
    harness.atomic_write_text(out / "report.md", "\n".join(lines) + "\n")
