"""report.md and the score plots of the study."""

from __future__ import annotations

import numpy as np

from .config import CORE_METHODS
from .data import safe_name
from .evaluation import BOOTSTRAP_PAIRS

# Published SKAB outlier-detection leaderboard (test parts): F1, FAR %, MAR %,
# and NAB Standard / LowFP / LowFN where published.
LEADERBOARD = [
    ("Conv-AE", 0.78, 13.55, 28.02, (23.61, 21.54, 27.55)),
    ("MSET", 0.78, 39.73, 14.13, None),
    ("T²+Q (PCA)", 0.76, 26.62, 24.92, (25.35, 14.51, 31.33)),
    ("LSTM-AE", 0.74, 29.96, 25.92, (23.51, 20.11, 25.91)),
    ("T²", 0.66, 19.21, 42.60, None),
    ("LSTM-VAE", 0.56, 9.13, 55.03, None),
    ("Vanilla LSTM", 0.54, 12.54, 59.53, None),
    ("Vanilla AE", 0.39, 2.59, 75.15, None),
    ("MSCRED", 0.36, 49.94, 69.88, (32.42, 16.53, 40.28)),
    ("Isolation forest", 0.29, 2.56, 82.89, (26.16, 19.50, 30.82)),
]


def _fmt(x, nd=2):
    return "–" if x is None or not np.isfinite(x) else f"{x:.{nd}f}"


_STUDENT_TEXT = {
    "gbm": "gradient boosting on causal window features of the deployable sensors, "
    "regressing the teacher's T²+Q score (`--student gbm`)",
    "neural": "an MLP NeuralDistillationRegressor on the standardised window features, "
    "regressing the teacher's score with imitation 0.5 of a network teacher on all "
    "sensors' features and a hint loss (`--student neural`)",
    "reconstruct": "gradient boosting predicting the privileged sensors from the deployable "
    "window features; the score is T²+Q on deployable + reconstructed sensors, fitted on "
    "each file's first rows (`--student reconstruct`; the control reconstructs the "
    "deployable sensors)",
}


def _fmt_gain(gain, ci95):
    return f"{gain:+.3f} [{ci95[0]:+.3f}, {ci95[1]:+.3f}]"


def render_report(
    summary, per_file_auc, tests, timing, cfg, is_skab, bootstrap=None, by_folder=None,
    splits=None, chosen=None, privileged=None, families=None,
):
    lines = [
        f"# Anomaly detection with privileged sensors ({cfg['experiment']})",
        "",
        f"Deployable sensors: {', '.join(cfg['deployable'])}. "
        f"Privileged: {', '.join(cfg['privileged'])}. Files: {len(cfg['files'])}; "
        f"first {cfg['n_train']} rows of each file train, the rest is tested. "
        "Thresholds come from training data only (control limits at 0.999; for a "
        "deployed student or combination the threshold flagging 1% of the training "
        "files' reference rows out of fold, on the plain detector's scale; a deployed "
        "plain detector keeps its own scores and threshold; 1% contamination "
        "for Isolation Forest and autoencoders). The distilled detector deploys its "
        "student, the plain detector or both combined as its do-no-harm rule chooses "
        "from training data only (`--selection auto`; an internal control, the same "
        "student imitating a deployable-only teacher, vetoes a distilled choice it "
        "matches); `distilled_student` is the "
        "student whatever was chosen. `teacher_skab` (per-file protocol) is the "
        "leaderboard's T²+Q exactly: SKAB's control limits, its median over the test "
        "part only. NAB is scored exactly as SKAB's code (cut windows, reward grid). "
        "`F1@FAR` moves each method's threshold to the "
        "distilled student's false-alarm rate on the pooled test scores (an oracle "
        "comparison of rankings, not a deployable rule). Student and control: "
        + _STUDENT_TEXT[cfg.get("student", "gbm")]
        + (
            f"; causal feature windows of {', '.join(map(str, cfg['student_windows']))} rows, "
            f"scores median-smoothed over the last {cfg['student_smoothing']} rows"
            if "student_windows" in cfg
            else ""
        )
        + "."
        + (
            " `--validation-labels`: in the cross-file protocol the distilled detector and the "
            "control chose what to deploy by labelled validation on the training files' "
            "anomaly labels (per-file out-of-fold ROC-AUC gains over plain, one-sided paired "
            "t at 5 %), never the scored file's labels."
            if cfg.get("validation_labels")
            else ""
        ),
        "",
    ]
    lines += _sections(
        summary, per_file_auc, tests, timing, is_skab, bootstrap, by_folder, splits, chosen,
        privileged,
    )
    for protocol, fams in (families or {}).items():
        lines += _family_lines(protocol, fams, is_skab)
    return "\n".join(lines)


FAMILY_NAMES = {
    "pca": "PCA T²+Q",
    "iforest": "Isolation Forest",
    "ae": "convolutional autoencoder",
}


def _family_lines(protocol, fams, is_skab):
    """The do-no-harm table over the families, then one section per non-PCA family."""
    first = next(iter(fams.values()))["do_no_harm"]
    tol = first["tolerance"]
    lines = [
        f"## {protocol}: every detector family",
        "",
        "Per family: the teacher (all sensors), the plain detector (`student`: the "
        "deployable sensors), the distilled detector (`selection` as configured), its "
        "student and the control, each family's detectors built as in `lupi-ts anomaly "
        f"tep`. Do no harm: distilled ≥ plain − {tol:g} in pooled ROC-AUC and in detection "
        "rate at the distilled detector's false-alarm rate (every method's threshold moved "
        f"to that rate on the pooled test scores), judged on {first['judged']} "
        f"({first['n_files']} files"
        + ("; the settings were chosen on valve1 only). " if first["judged"] == "valve2 + other"
           else "). ")
        + "Differences with 95 % file-level bootstrap intervals. For Isolation Forest and "
        "the autoencoder (quantile thresholds) a plain fallback has exactly the plain "
        "detector's scores but the threshold of the plain detector fitted on all training "
        "files' reference rows (see `DistilledDetector.candidate_thresholds_`): its ROC-AUC "
        "and detection at equal FAR equal the plain detector's, its F1/FAR/MAR/NAB may not.",
        "",
        "| family | files | FAR % | plain ROC-AUC | distilled ROC-AUC | distilled − plain "
        "ROC-AUC | plain detection | distilled detection | distilled − plain detection "
        "| student detection | deployed | do no harm |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for family, e in fams.items():
        v = e["do_no_harm"]
        m, g = v["methods"], v["gains"]
        cells = [
            _fmt_gain(g[k]["gain"], g[k]["ci95"]) if g[k]["ci95"] else f"{g[k]['gain']:+.3f}"
            for k in ("roc_auc", "detection_at_distilled_far")
        ]
        deployed = ", ".join(
            f"{c} {n}" for c, n in v["chosen"].get("distilled", {}).items()
        ) or "–"
        verdict = {True: "yes", False: "**no**", None: "–"}[v["do_no_harm"]]
        lines.append(
            f"| {FAMILY_NAMES[family]} | {v['n_files']} | {_fmt(v['far'])} "
            f"| {_fmt(m['student']['roc_auc'], 3)} | {_fmt(m['distilled']['roc_auc'], 3)} "
            f"| {cells[0]} | {_fmt(m['student']['detection_at_distilled_far'], 3)} "
            f"| {_fmt(m['distilled']['detection_at_distilled_far'], 3)} | {cells[1]} "
            f"| {_fmt(m['distilled_student']['detection_at_distilled_far'], 3)} "
            f"| {deployed} | {verdict} (ROC-AUC {v['verdict']['roc_auc']}, detection "
            f"{v['verdict']['detection_at_distilled_far']}) |"
        )
    lines += [
        "",
        "On the judged files, pooled (detection at the distilled detector's FAR):",
        "",
        "| family | method | ROC-AUC | detection | F1 | FAR % | MAR % | NAB std |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for family, e in fams.items():
        for meth, r in e["do_no_harm"]["methods"].items():
            lines.append(
                f"| {FAMILY_NAMES[family]} | {meth} | {_fmt(r['roc_auc'], 3)} "
                f"| {_fmt(r['detection_at_distilled_far'], 3)} | {_fmt(r['f1'])} "
                f"| {_fmt(r['far'])} | {_fmt(r['mar'])} | {_fmt(r['nab_standard'])} |"
            )
    lines.append("")
    for family, e in fams.items():
        if family == "pca":
            continue  # the sections above
        name = f"{protocol}, {FAMILY_NAMES[family]} family"
        lines += _sections(
            {name: e["summary"]}, {name: e["per_file_auc"]}, {name: e["tests"]}, {},
            is_skab, {name: e.get("bootstrap")}, {name: e.get("by_folder")},
            {name: e.get("splits")}, {name: e["chosen"]}, {name: e.get("privileged_files")},
        )
    return lines


def _sections(
    summary, per_file_auc, tests, timing, is_skab, bootstrap, by_folder, splits, chosen,
    privileged,
):
    """One section per protocol (or per family): tables, tests, gains, files."""
    lines = []
    for protocol, rows in summary.items():
        lines += [
            f"## {protocol}",
            "",
            "| algorithm | F1 | FAR % | MAR % | NAB std | NAB lowFP | NAB lowFN "
            "| ROC-AUC | PR-AUC | F1@FAR |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for m, r in rows.items():
            lines.append(
                f"| **ours: {m}** | {_fmt(r['f1'])} | {_fmt(r['far'])} | {_fmt(r['mar'])} | "
                f"{_fmt(r['nab_standard'])} | {_fmt(r['nab_lowfp'])} | {_fmt(r['nab_lowfn'])} | "
                f"{_fmt(r['roc_auc'], 3)} | {_fmt(r['pr_auc'], 3)} | "
                f"{_fmt(r['f1_at_distilled_far'])} |"
            )
        if is_skab and protocol == "per-file":
            for name, f1, far, mar, nab in LEADERBOARD:
                n = nab or (None, None, None)
                lines.append(
                    f"| published: {name} | {f1:.2f} | {far:.2f} | {mar:.2f} | "
                    f"{_fmt(n[0])} | {_fmt(n[1])} | {_fmt(n[2])} | – | – | – |"
                )
        lines.append("")
        counts = (chosen or {}).get(protocol)
        if counts:
            lines += [
                "Deployed by the do-no-harm rule (files): "
                + "; ".join(
                    f"{m}: " + ", ".join(f"{c} {n}" for c, n in v.items())
                    for m, v in counts.items()
                )
                + ".",
                "",
            ]
        if protocol in tests:
            lines += [
                "Paired Wilcoxon signed-rank tests on per-file ROC-AUC:",
                "",
                "| comparison | files | mean diff | median diff | wins/losses | p-value |",
                "|---|---|---|---|---|---|",
            ]
            for t in tests[protocol]:
                lines.append(
                    f"| {t['a']} vs {t['b']} | {t['n_files']} | {t['mean_diff']:+.3f} | "
                    f"{t['median_diff']:+.3f} | {t['wins']}/{t['losses']} | "
                    f"{_fmt(t['p_value'], 4)} |"
                )
            lines.append("")
        boot = (bootstrap or {}).get(protocol)
        if boot:
            lines += [
                f"Pooled gains with 95% file-level bootstrap intervals ({boot['resamples']} "
                "resamples of the files; the summary's own difference, then the interval):",
                "",
                "| comparison | ROC-AUC gain | F1 gain at the distilled student's FAR |",
                "|---|---|---|",
            ]
            rows = summary[protocol]
            for a, b in BOOTSTRAP_PAIRS:
                g = boot[f"{a}_vs_{b}"]
                cells = [
                    _fmt_gain(rows[a][key] - rows[b][key], g[key]["ci95"])
                    for key in ("roc_auc", "f1_at_distilled_far")
                ]
                lines.append(f"| {a} vs {b} | {cells[0]} | {cells[1]} |")
            lines.append("")
        folders = (by_folder or {}).get(protocol)
        if folders:
            lines += [
                "The same gains by folder (pooled within the folder, F1 at the distilled "
                "student's false-alarm rate in that folder; 95% bootstrap over its files)"
                + (
                    ". The students' settings were chosen on valve1 only: the other folders "
                    "played no part in that choice."
                    if is_skab
                    else ":"
                ),
                "",
                "| folder | files | distilled ROC-AUC | distilled − student ROC-AUC "
                "| distilled − student F1 at equal FAR | control − student ROC-AUC |",
                "|---|---|---|---|---|---|",
            ]
            for folder, e in folders.items():
                g, c = e["distilled_vs_student"], e["control_vs_student"]
                cells = [
                    _fmt_gain(d["gain"], d["ci95"])
                    for d in (g["roc_auc"], g["f1_at_distilled_far"], c["roc_auc"])
                ]
                lines.append(
                    f"| {folder} | {e['n_files']} | {e['distilled']['roc_auc']:.3f} "
                    f"| {' | '.join(cells)} |"
                )
            lines.append("")
        for part, e in ((splits or {}).get(protocol) or {}).items():
            lines += [
                f"**{part}**, {e['n_files']} files"
                + (
                    " (the students' settings were chosen here)"
                    if part.startswith("development")
                    else " (judged here; no setting was chosen on these files)"
                )
                + ". Chosen by the do-no-harm rule: "
                + "; ".join(
                    f"{m}: " + ", ".join(f"{c} {n}" for c, n in sorted(v.items()))
                    for m, v in e["chosen"].items()
                )
                + ".",
                "",
                "| algorithm | F1 | FAR % | MAR % | NAB std | ROC-AUC | F1@FAR |",
                "|---|---|---|---|---|---|---|",
            ]
            for m, r in e["methods"].items():
                lines.append(
                    f"| {m} | {_fmt(r['f1'])} | {_fmt(r['far'])} | {_fmt(r['mar'])} | "
                    f"{_fmt(r['nab_standard'])} | {_fmt(r['roc_auc'], 3)} | "
                    f"{_fmt(r['f1_at_distilled_far'])} |"
                )
            lines += ["", "| comparison | ROC-AUC gain [95% CI] | F1 gain at the distilled FAR |",
                      "|---|---|---|"]
            for key, g in e["gains"].items():
                cells = [_fmt_gain(g[k]["gain"], g[k]["ci95"])
                         for k in ("roc_auc", "f1_at_distilled_far")]
                lines.append(f"| {key.replace('_vs_', ' vs ')} | {cells[0]} | {cells[1]} |")
            lines.append("")
        lines += _privileged_lines((privileged or {}).get(protocol))
        if protocol in per_file_auc:
            auc = per_file_auc[protocol]
            methods = [m for m in CORE_METHODS if m in auc]
            lines += [
                "Per-file ROC-AUC (test part):",
                "",
                "| file | " + " | ".join(methods) + " |",
                "|---|" + "---|" * len(methods),
            ]
            for k in auc[methods[0]]:
                lines.append(
                    f"| {k} | " + " | ".join(_fmt(auc[m][k], 3) for m in methods) + " |"
                )
            lines.append("")
        if protocol in timing:
            tm = timing[protocol]
            lines += [
                f"Compute time of this protocol (sum over files): {tm['wall_s']:.1f} s wall, "
                f"{tm['cpu_s']:.1f} s CPU of this process.",
                "",
            ]
    return lines


def _privileged_lines(pf):
    if not pf:
        return []
    lines = [
        "Where the privileged sensors carry information: files whose per-file ROC-AUC "
        f"with the privileged sensors alone (`privileged`, not deployable) is ≥ "
        f"{pf['margin']:g} above the plain deployable detector's (`student`); margin "
        "declared before the first run. On exactly those files, pooled:",
        "",
        "| files | n | privileged ROC-AUC | plain ROC-AUC | distilled ROC-AUC "
        "| distilled − plain ROC-AUC [95% CI] | F1 gain at the distilled FAR | deployed |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for part, e in pf.items():
        if part == "margin":
            continue
        if not e["n_files"]:
            lines.append(f"| {part} | 0 | – | – | – | – | – | – |")
            continue
        m = e["methods"]
        g = e["gains"]["distilled_vs_student"]
        cells = [
            _fmt_gain(g[k]["gain"], g[k]["ci95"]) if g[k]["ci95"] else f"{g[k]['gain']:+.3f}"
            for k in ("roc_auc", "f1_at_distilled_far")
        ]
        deployed = "; ".join(
            f"{meth}: " + ", ".join(f"{c} {n}" for c, n in v.items())
            for meth, v in e["chosen"].items()
        )
        lines.append(
            f"| {part}: {', '.join(e['files'])} | {e['n_files']} "
            f"| {_fmt(m['privileged']['roc_auc'], 3)} | {_fmt(m['student']['roc_auc'], 3)} "
            f"| {_fmt(m['distilled']['roc_auc'], 3)} | {cells[0]} | {cells[1]} | {deployed} |"
        )
    lines.append("")
    return lines


def plot_files(results, files, protocol, out_dir, n_plots, n_train):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    for k in list(results)[:n_plots]:
        scores, anomaly, _, _ = results[k]
        methods = [m for m in CORE_METHODS if m in scores]
        fig, axes = plt.subplots(len(methods), 1, figsize=(10, 2 * len(methods)), sharex=True)
        t = np.arange(len(anomaly))
        for ax, m in zip(np.atleast_1d(axes), methods):
            s, thr = scores[m]
            ax.plot(t, s, lw=0.8, label=f"{m} score")
            ax.axhline(thr, color="r", lw=1, ls="--", label="threshold")
            ax.axvline(n_train, color="k", lw=0.8, ls=":")
            ax.fill_between(t, 0, 1, where=anomaly == 1, color="orange", alpha=0.2,
                            transform=ax.get_xaxis_transform(), label="true anomaly")
            ax.set_ylabel(m)
            ax.legend(loc="upper left", fontsize=7)
        np.atleast_1d(axes)[-1].set_xlabel("row (training part left of the dotted line)")
        fig.suptitle(f"{protocol}: {k}")
        fig.tight_layout()
        path = out_dir / f"{protocol}__{safe_name(k)}.png"
        fig.savefig(path, dpi=80)
        plt.close(fig)
        paths.append(path.name)
    return paths
