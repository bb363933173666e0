"""report.md of the Hayashi et al. (2019) variant study (:mod:`studies.hayashi2019_variants`)."""

from __future__ import annotations

import numpy as np


def cell(d):
    lo, hi = d["ci95"]
    return (
        f"{d['mean']:+.3f} [{lo:+.3f}, {hi:+.3f}] ({d['p_value']:.2g}) "
        f"{d['wins']}/{d['ties']}/{d['losses']}"
    )


def format_report(results, variants, rules):
    """report.md of the study: ``variants`` / ``rules`` are its VARIANTS and RULES tables."""
    cols = [(t, str(s)) for t in results["tasks"] for s in results["seeds"]]
    head = "| " + " | ".join(f"{t} s{s}" for t, s in cols) + " |"
    sep = "|---" * len(cols) + "|"
    summ, per = results["summary"], results["per_repeat"]
    lines = [
        "# Hayashi et al. (2019): teacher and selection-rule variants",
        "",
        f"`{results['command']} --out DIR` ({results['repeats']} repeats per column; "
        "the placements of `lupi-ts reproduce hayashi2019 --seed S`).",
        "",
        "Δ student − baseline of test accuracy [95% t-interval] (two-sided paired t-test p) "
        "wins/ties/losses over repeats; the baseline is the λ = 0 part of the same student "
        "grid under the same selection rule.",
        "",
        "| teacher | selection rule " + head,
        "|---|---" + sep,
    ]
    for v in results["variants"]:
        for rule, (_, _, label) in rules.items():
            cells = [cell(summ[t][s][v][rule]) for t, s in cols]
            lines.append(f"| {variants[v][0]} | {label} | " + " | ".join(cells) + " |")
    # The λ = 0 baseline hardly depends on the variant (only through the batched
    # solver's shared iterations): the first variant's stands for all.
    first = results["variants"][0]
    lines += ["", f"Baseline (λ = 0) test accuracy, mean over repeats (variant `{first}`):", "",
              "| selection rule " + head, "|---" + sep]  # fmt: skip
    for rule, (_, _, label) in rules.items():
        cells = [f"{summ[t][s][first][rule]['baseline_mean']:.3f}" for t, s in cols]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    teacher_rows = [
        (v, k) for v in results["variants"] for k in per[cols[0][0]][cols[0][1]][v]
        if k.startswith("teacher_")
    ]  # fmt: skip
    if teacher_rows:
        lines += ["", "Teachers' own test accuracy (direction), mean over repeats:", "",
                  "| teacher | type " + head, "|---|---" + sep]  # fmt: skip
        for v, k in teacher_rows:
            cells = [f"{np.mean(per[t][s][v][k]):.3f}" for t, s in cols]
            lines.append(f"| {variants[v][0]} | {k[8:]} | " + " | ".join(cells) + " |")
    lines += ["", "Variants:", ""]
    lines += [f"* `{v}` — {variants[v][0]}: {variants[v][1]}" for v in results["variants"]]
    return "\n".join(lines) + "\n"
