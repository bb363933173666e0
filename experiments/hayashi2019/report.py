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
from .extra import extra_rows
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


def write_plots(out, results, cfg):
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    files = []
    privileged = student_types(cfg)
    for task, reps in results.items():
        specs, acc = accuracy_by_setting(reps, cfg)
        fig, axes = plt.subplots(1, len(privileged), figsize=(4 * len(privileged), 3.4),
                                 sharey=True, squeeze=False)  # fmt: skip
        for ax, pi in zip(axes[0], privileged):
            for temp in cfg["grid"]["temperature"]:
                pts = [(0.0, acc[0])] + [
                    (lam, acc[k]) for k, (p, tt, lam) in enumerate(specs)
                    if p == pi and tt == float(temp)
                ]  # fmt: skip
                pts.sort()
                ax.plot(*zip(*pts), marker="o", label=f"T={temp:g}")
            ax.axhline(np.mean([r["baseline_test_accuracy"] for r in reps]), color="k", ls="--",
                       lw=1, label="baseline (selected)")  # fmt: skip
            ax.set_title(f"{task}: {pi}")
            ax.set_xlabel("imitation λ")
        axes[0][0].set_ylabel("mean test accuracy")
        axes[0][-1].legend(fontsize=7)
        fig.tight_layout()
        name = f"accuracy_vs_imitation_{task}.png"
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=90)
        plt.close(fig)
        harness.atomic_write_bytes(out / name, buf.getvalue())
        files.append(name)
    fig, ax = plt.subplots(figsize=(2.2 + 1.6 * len(results), 3.4))
    deltas = [
        [r["student_test_accuracy"] - r["baseline_test_accuracy"] for r in reps]
        for reps in results.values()
    ]
    ax.boxplot(deltas)
    ax.set_xticks(range(1, len(results) + 1), list(results))
    for i, d in enumerate(deltas, start=1):
        jitter = np.linspace(-0.15, 0.15, len(d)) if len(d) > 1 else [0.0]
        ax.scatter(i + np.asarray(jitter), d, s=8, alpha=0.6)
    ax.axhline(0.0, color="k", lw=1)
    ax.set_ylabel("student - baseline (test accuracy)")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    harness.atomic_write_bytes(out / "delta_distribution.png", buf.getvalue())
    files.append("delta_distribution.png")
    return files


def write_report(out, summary, results, cfg):
    plots = write_plots(out, results, cfg)
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
