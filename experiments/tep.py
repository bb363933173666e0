"""Tennessee Eastman: privileged analysers, leave one fault out (``lupi-ts anomaly tep``).

Development benchmark of issue #15 (the training files only; the benchmark's test runs
are not used). Privileged sensors: the composition analysers XMEAS(23..41);
deployable: XMEAS(1..22) + XMV(1..11).

Protocol, per detector family (PCA T²+Q, Isolation Forest, convolutional autoencoder)
and per held-out fault ``f`` (leave one fault out over d01..d21):

* normal reference: the first ``--n-reference`` rows of d00 (default 300) -- the
  training rows assumed normal; the remaining d00 rows are the *normal test* rows;
* training history (unlabelled): the reference rows (cut into ``--reference-groups``
  series, so that every cross-fitting fold holds normal rows) and every fault file
  except ``f``; no labels are used anywhere;
* scored: the held-out fault file (fault active from its first row) and the normal
  test rows, each as its own series.

Methods, all thresholded at the same false-alarm rate (``--far``, default 5 %) on the
normal test rows (an equal-FAR comparison of rankings):

``teacher``
    the family's detector on all 52 sensors, fitted on the reference rows;
``privileged``
    the same detector on the 19 analysers only: what the privileged sensors see on
    their own (not deployable; it says where they carry information);
``plain``
    the same detector on the 33 deployable sensors: what one deploys without
    privileged data;
``distilled``
    :class:`lupi_ts.anomaly.DistilledDetector` (teacher on all sensors, gradient-boosting
    student on window features of the deployable sensors, ``selection="auto"``: the
    do-no-harm rule decides from training data only between the student, the plain
    detector and their combination, and its internal control vetoes a distilled
    choice that a student of a deployable-only teacher matches); the recommended
    detector;
``distilled_student``, ``distilled_combined``
    the candidates it chose from, reported whatever was chosen;
``control``, ``control_student``
    the same with a teacher that sees the deployable sensors only.

Reported per family: mean detection rate at the FAR and mean ROC-AUC (fault rows
against normal test rows) over the 18 faults other than 3, 9 and 15 (the 21 are all in
the per-fault tables), the distilled − plain differences with a 95 % bootstrap interval
over faults, and what the do-no-harm rule chose for each fault and on what evidence.

Where the analysers carry information (issue #15): the judged faults on which the
detector on the analysers only detects at least ``ANALYSER_MARGIN`` (0.05, declared in
docs/preregistration/tep_analysers.md before the first run) more than the plain
deployable detector at the same false-alarm rate; secondary, the faults on which the
all-sensor teacher does. On exactly those faults the report gives the distilled −
plain difference with a bootstrap interval over the faults.

``--screen`` runs the cheap detectors only (teacher, privileged, plain; no
distillation): it finds those faults in seconds; the distilled detector is then run
on them with ``--faults``.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from . import harness

FAMILIES = ("pca", "iforest", "ae")
METHODS = (
    "teacher",
    "privileged",
    "plain",
    "distilled",
    "distilled_student",
    "distilled_combined",
    "control",
    "control_student",
)
SCREEN_METHODS = ("teacher", "privileged", "plain")
HARD_FAULTS = (3, 9, 15)
# detection-rate margin (at the equal false-alarm rate) by which the analysers-only
# (or all-sensor) detector must beat the plain deployable one for a fault to count
# as one where the privileged sensors carry information the deployable ones lack;
# declared before the first run that computed it (docs/preregistration/tep_analysers.md)
ANALYSER_MARGIN = 0.05
VERSION = 3  # 3: the distilled detector's internal control (veto)


# --------------------------------------------------------------------------- CLI
def add_arguments(parser, name):
    """Register the options of ``lupi-ts anomaly tep``."""
    parser.add_argument(
        "--data",
        metavar="PATH",
        default=None,
        help="folder of the TEP training files (default: the lupi-ts cache, downloaded if "
        "missing; ../shared/data/tep in this project)",
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        default=str(Path("results") / "anomaly" / name),
        help="output folder (default %(default)s)",
    )
    parser.add_argument(
        "--families",
        default=",".join(FAMILIES),
        help="comma-separated detector families among pca, iforest, ae (default %(default)s)",
    )
    parser.add_argument(
        "--faults",
        default=None,
        help="comma-separated held-out faults (default: all 21; quick runs: e.g. 1,2,6)",
    )
    parser.add_argument("--n-reference", type=int, default=300, help="d00 rows assumed normal")
    parser.add_argument(
        "--reference-groups",
        type=int,
        default=5,
        help="series the reference rows are cut into (cross-fitting units)",
    )
    parser.add_argument("--far", type=float, default=0.05, help="false-alarm rate (fraction)")
    parser.add_argument("--cv", type=int, default=3, help="cross-fitting folds of the students")
    parser.add_argument("--student-iter", type=int, default=100, help="boosting iterations")
    parser.add_argument(
        "--student-windows", default="5,20,60", help="causal feature windows (rows)"
    )
    parser.add_argument("--student-smoothing", type=int, default=5, help="median on scores")
    parser.add_argument("--epochs", type=int, default=15, help="autoencoder epochs")
    parser.add_argument("--random-state", type=int, default=0, help="seed of every model")
    parser.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP/torch threads")
    parser.add_argument(
        "--screen",
        action="store_true",
        help="cheap detectors only (teacher, analysers only, plain; no distillation): "
        "which faults the analysers see that the deployable sensors miss",
    )
    harness.add_parallel_arguments(parser)
    parser.set_defaults(_experiment_name=name)


def _ints(text, name):
    try:
        values = [int(v) for v in str(text).split(",") if v.strip()]
    except ValueError:
        values = []
    if not values:
        raise ValueError(f"{name} must be comma-separated integers; got {text!r}.")
    return values


def _config(args):
    families = [f.strip() for f in args.families.split(",") if f.strip()]
    unknown = sorted(set(families) - set(FAMILIES))
    if unknown or not families:
        raise ValueError(f"--families: unknown {unknown}; choose among {list(FAMILIES)}.")
    faults = list(range(1, 22)) if args.faults is None else _ints(args.faults, "--faults")
    if any(not 1 <= f <= 21 for f in faults):
        raise ValueError(f"--faults must lie in 1..21; got {faults}.")
    if not 10 <= args.n_reference <= 450:
        raise ValueError(f"--n-reference must be in 10..450; got {args.n_reference}.")
    if not 2 <= args.reference_groups <= args.n_reference // 10:
        raise ValueError("--reference-groups must be >= 2 with >= 10 rows per group.")
    if not 0.0 < args.far < 0.5:
        raise ValueError(f"--far must be in (0, 0.5); got {args.far}.")
    windows = _ints(args.student_windows, "--student-windows")
    if any(w < 2 for w in windows):
        raise ValueError("--student-windows must be integers >= 2.")
    for opt in ("cv", "student_iter", "student_smoothing", "epochs", "threads"):
        if getattr(args, opt) < (2 if opt == "cv" else 1):
            raise ValueError(f"--{opt.replace('_', '-')} is too small: {getattr(args, opt)}.")
    return {
        "version": VERSION,
        "families": families,
        "faults": faults,
        "n_reference": args.n_reference,
        "reference_groups": args.reference_groups,
        "far": args.far,
        "cv": args.cv,
        "student_iter": args.student_iter,
        "student_windows": windows,
        "student_smoothing": args.student_smoothing,
        "epochs": args.epochs,
        "random_state": args.random_state,
        "data": args.data,
        "screen": bool(getattr(args, "screen", False)),
    }


# ---------------------------------------------------------------------- units
_DATA = {}


def _data(path):
    from lupi_ts.datasets import fetch_tep

    if path not in _DATA:
        _DATA[path] = fetch_tep(path=path) if path else fetch_tep()
    return _DATA[path]


def detector(family, cfg):
    """A detector of ``family`` ("pca", "iforest", "ae") with the study's settings.

    PCA T²+Q, Isolation Forest (seeded), or a convolutional autoencoder (window 16,
    16 hidden units, ``cfg["epochs"]``, seeded); ``cfg`` needs ``"random_state"``
    and ``"epochs"``. ``lupi-ts anomaly skab --families`` builds its detectors here
    too, so both studies compare the same families.
    """
    from lupi_ts.anomaly import AutoencoderDetector, IsolationForestDetector, PCADetector

    if family == "pca":
        return PCADetector()
    if family == "iforest":
        return IsolationForestDetector(random_state=cfg["random_state"])
    return AutoencoderDetector(
        "conv", window=16, hidden=16, max_epochs=cfg["epochs"], random_state=cfg["random_state"]
    )


def _distilled(family, cfg, teacher_inputs):
    from sklearn.ensemble import HistGradientBoostingRegressor

    from lupi_ts.anomaly import DistilledDetector

    return DistilledDetector(
        teacher=detector(family, cfg),
        regressor=HistGradientBoostingRegressor(
            max_iter=cfg["student_iter"], early_stopping=False, random_state=cfg["random_state"]
        ),
        teacher_inputs=teacher_inputs,
        windows=tuple(cfg["student_windows"]),
        smoothing=cfg["student_smoothing"],
        contamination=cfg["far"],
        cv=cfg["cv"],
        random_state=cfg["random_state"],
    )


def _rates(fault_scores, normal_scores, far):
    """Detection rate at ``far`` on the normal test rows, and ROC-AUC."""
    from sklearn.metrics import roc_auc_score

    thr = np.quantile(normal_scores, 1.0 - far)
    y = np.r_[np.ones(len(fault_scores)), np.zeros(len(normal_scores))]
    return {
        "detection": float(np.mean(fault_scores > thr)),
        "far": float(np.mean(normal_scores > thr)),
        "roc_auc": float(roc_auc_score(y, np.r_[fault_scores, normal_scores])),
    }


def run_unit(family, fault, cfg):
    """One held-out fault of one family: every method's rates and the selection."""
    import warnings

    from threadpoolctl import threadpool_limits

    from lupi_ts import DistillationWarning

    t0 = time.perf_counter()
    data = _data(cfg["data"])
    dep, priv = data.deployable, data.privileged
    n_ref = cfg["n_reference"]
    normal = data.normal
    ref_dep, ref_priv = normal[dep].to_numpy()[:n_ref], normal[priv].to_numpy()[:n_ref]
    test_dep = normal[dep].to_numpy()[n_ref:]
    test_priv = normal[priv].to_numpy()[n_ref:]
    test_all = normal[dep + priv].to_numpy()[n_ref:]
    held_dep = data.faults[fault][dep].to_numpy()
    held_priv = data.faults[fault][priv].to_numpy()
    held_all = data.faults[fault][dep + priv].to_numpy()
    train = [f for f in data.faults if f != fault]
    X = np.vstack([ref_dep] + [data.faults[f][dep].to_numpy() for f in train])
    P = np.vstack([ref_priv] + [data.faults[f][priv].to_numpy() for f in train])
    chunk = np.repeat(
        np.arange(cfg["reference_groups"]), int(np.ceil(n_ref / cfg["reference_groups"]))
    )
    groups = np.concatenate([chunk[:n_ref]] + [np.full(480, 100 + f) for f in train])
    reference = np.arange(len(X)) < n_ref
    far = cfg["far"]
    out = {"family": family, "fault": fault, "rates": {}, "selection": {}}
    with threadpool_limits(limits=cfg.get("threads", 1)):
        teacher = detector(family, cfg).fit(np.hstack([ref_dep, ref_priv]))
        out["rates"]["teacher"] = _rates(
            teacher.decision_function(held_all), teacher.decision_function(test_all), far
        )
        analysers = detector(family, cfg).fit(ref_priv)
        out["rates"]["privileged"] = _rates(
            analysers.decision_function(held_priv), analysers.decision_function(test_priv), far
        )
        plain = detector(family, cfg).fit(ref_dep)
        out["rates"]["plain"] = _rates(
            plain.decision_function(held_dep), plain.decision_function(test_dep), far
        )
        distilled = () if cfg.get("screen") else (("distilled", "both"), ("control", "deployable"))
        for name, inputs in distilled:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", DistillationWarning)
                det = _distilled(family, cfg, inputs).fit(
                    X, X_priv=P, groups=groups, reference=reference
                )
            held = det.score_candidates(held_dep)
            norm = det.score_candidates(test_dep)
            sel = det.selected_
            out["rates"][name] = _rates(held[sel], norm[sel], far)
            out["rates"][f"{name}_student"] = _rates(held["student"], norm["student"], far)
            if name == "distilled":
                out["rates"]["distilled_combined"] = _rates(held["combined"], norm["combined"], far)
            out["selection"][name] = {
                "selected": sel,
                "evidence": _jsonable(det.selection_),
                "teacher_alarm_rate": det.teacher_alarm_rate_,
                "warned": any(issubclass(w.category, DistillationWarning) for w in caught),
            }
    out["seconds"] = time.perf_counter() - t0
    return out


def _jsonable(d):
    return {
        k: (
            _jsonable(v)
            if isinstance(v, dict)
            else (v if not isinstance(v, float) or np.isfinite(v) else None)
        )
        for k, v in d.items()
    }


# ------------------------------------------------------------------ summary
def _bootstrap_mean(diffs, seed, n_boot=2000):
    from lupi_ts.stats import bootstrap_weights, percentile_interval

    diffs = np.asarray(diffs, dtype=float)
    draws = [
        float(w @ diffs / w.sum()) for w in bootstrap_weights(len(diffs), n_boot, random_state=seed)
    ]
    return percentile_interval(draws)


def _gain(judged, a, b, seed):
    """Mean ``a − b`` over faults with a 95 % bootstrap interval (needs >= 2 faults)."""
    out = {}
    for key in ("detection", "roc_auc"):
        d = [r["rates"][a][key] - r["rates"][b][key] for r in judged]
        if len(d) >= 2:
            out[key] = {"mean": float(np.mean(d)), "ci95": _bootstrap_mean(d, seed)["ci95"]}
        elif d:
            out[key] = {"mean": float(d[0]), "ci95": None}
    return out


def analyser_faults(records, seed=0, margin=ANALYSER_MARGIN):
    """Where the analysers carry information the deployable sensors lack.

    ``records`` are one family's units. Among the judged faults (all but
    ``HARD_FAULTS``), ``"privileged"`` lists those on which the detector on the
    analysers only detects at least ``margin`` more than the plain deployable
    detector (detection rate at the same false-alarm rate on the normal test rows);
    ``"teacher"`` those on which the detector on all sensors does. For each set:
    the faults, their mean rates per method, and (when the records hold the
    distilled detector) the distilled − plain and student − plain differences with
    a bootstrap interval over the faults of the set.
    """
    judged = [r for r in records if r["fault"] not in HARD_FAULTS]
    out = {"margin": margin}
    for name in ("privileged", "teacher"):
        chosen = sorted(
            (r for r in judged
             if r["rates"][name]["detection"] - r["rates"]["plain"]["detection"] >= margin),
            key=lambda r: r["fault"],
        )
        methods = [m for m in METHODS if chosen and m in chosen[0]["rates"]]
        entry = {
            "faults": [r["fault"] for r in chosen],
            "methods": {
                m: {k: float(np.mean([r["rates"][m][k] for r in chosen]))
                    for k in ("detection", "roc_auc")}
                for m in methods
            },
            "gains": {},
        }
        if chosen and "distilled" in chosen[0]["rates"]:
            entry["chosen"] = {
                c: sum(r["selection"]["distilled"]["selected"] == c for r in chosen)
                for c in ("plain", "student", "combined")
            }
            for a in ("distilled", "distilled_student", "distilled_combined"):
                entry["gains"][f"{a}_vs_plain"] = _gain(chosen, a, "plain", seed)
        out[name] = entry
    return out


def summarise(records, cfg):
    """Per family: mean rates over the judged faults, gains with intervals, choices."""
    summary = {}
    for family in cfg["families"]:
        recs = [r for r in records if r["family"] == family]
        judged = [r for r in recs if r["fault"] not in HARD_FAULTS]
        present = [m for m in METHODS if recs and m in recs[0]["rates"]]
        fam = {"n_faults": len(recs), "n_judged": len(judged), "methods": {}, "gains": {}}
        for m in present:
            fam["methods"][m] = {
                key: float(np.mean([r["rates"][m][key] for r in judged])) if judged else None
                for key in ("detection", "roc_auc")
            }
        for a, b in (
            ("distilled", "plain"),
            ("distilled_student", "plain"),
            ("distilled_combined", "plain"),
            ("control", "plain"),
            ("distilled_student", "control_student"),
            ("teacher", "plain"),
            ("privileged", "plain"),
        ):
            if a in present and b in present:
                fam["gains"][f"{a}_vs_{b}"] = {
                    k: v for k, v in _gain(judged, a, b, cfg["random_state"]).items()
                    if v["ci95"] is not None
                }
        fam["analysers"] = analyser_faults(recs, cfg["random_state"])
        if "distilled" in present:
            fam["chosen"] = {
                name: {
                    c: sum(r["selection"][name]["selected"] == c for r in recs)
                    for c in ("plain", "student", "combined")
                }
                for name in ("distilled", "control")
            }
            fam["do_no_harm"] = {
                key: (fam["methods"]["distilled"][key] - fam["methods"]["plain"][key] >= -0.01)
                if judged
                else None
                for key in ("detection", "roc_auc")
            }
        summary[family] = fam
    return summary


def _cell(g, key):
    if key not in g:
        return "–"
    if g[key]["ci95"] is None:
        return f"{g[key]['mean']:+.3f}"
    lo, hi = g[key]["ci95"]
    return f"{g[key]['mean']:+.3f} [{lo:+.3f}, {hi:+.3f}]"


def _analyser_lines(an, far):
    margin = an["margin"]
    lines = [
        "### Where the analysers carry information",
        "",
        f"Judged faults on which a detector of this family on the analysers only "
        f"(`privileged`, not deployable) detects ≥ {margin:g} more than the plain "
        f"deployable detector at {far:g} % FAR (margin declared before the first run); "
        "secondary: the same for the all-sensor teacher. Gains over the faults of each "
        "set, 95 % bootstrap interval over those faults.",
        "",
        "| set | faults | privileged | teacher | plain | distilled | distilled − plain "
        "detection | distilled − plain ROC-AUC | student − plain detection | chosen |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, label in (("privileged", "analysers only ≥ plain + margin"),
                        ("teacher", "all sensors ≥ plain + margin")):
        e = an[name]
        m = e["methods"]
        det = {k: _f(v["detection"]) for k, v in m.items()}
        g = e["gains"]
        lines.append(
            f"| {label} | {', '.join(map(str, e['faults'])) or 'none'} "
            f"| {det.get('privileged', '–')} | {det.get('teacher', '–')} "
            f"| {det.get('plain', '–')} | {det.get('distilled', '–')} "
            f"| {_cell(g.get('distilled_vs_plain', {}), 'detection')} "
            f"| {_cell(g.get('distilled_vs_plain', {}), 'roc_auc')} "
            f"| {_cell(g.get('distilled_student_vs_plain', {}), 'detection')} "
            f"| {', '.join(f'{k} {v}' for k, v in e.get('chosen', {}).items()) or '–'} |"
        )
    lines.append("")
    return lines


def _report(summary, records, cfg, command):
    far = 100 * cfg["far"]
    screen = cfg.get("screen", False)
    lines = [
        "# Tennessee Eastman: privileged analysers, leave one fault out",
        "",
        f"Command: `{command}`",
        "",
        f"Reference (assumed normal): first {cfg['n_reference']} rows of d00; normal test: "
        "the rest of d00. Training history: the reference rows and every other fault file, "
        "unlabelled. Privileged: XMEAS(23..41); deployable: XMEAS(1..22) + XMV(1..11). "
        f"Rates at {far:g} % false alarms on the normal test rows; means over the "
        f"{summary[cfg['families'][0]]['n_judged']} judged faults (3, 9 and 15 excluded, "
        "shown per fault). `privileged`: the same detector on the analysers only (not "
        "deployable). "
        + (
            "Screen (`--screen`): the cheap detectors only, no distillation."
            if screen
            else "Distilled = the detector `selection='auto'` recommends (chosen "
            "from training data only)."
        ),
        "",
    ]
    for family, fam in summary.items():
        lines += [
            f"## {family}",
            "",
            f"| method | detection @ {far:g} % FAR | ROC-AUC |",
            "|---|---|---|",
        ]
        for m, r in fam["methods"].items():
            lines.append(f"| {m} | {_f(r['detection'])} | {_f(r['roc_auc'])} |")
        lines += [
            "",
            "| comparison | detection gain [95 % CI over faults] | ROC-AUC gain |",
            "|---|---|---|",
        ]
        for key, g in fam["gains"].items():
            lines.append(
                f"| {key.replace('_vs_', ' − ')} | {_cell(g, 'detection')} "
                f"| {_cell(g, 'roc_auc')} |"
            )
        lines.append("")
        if "chosen" in fam:
            ch = fam["chosen"]
            lines += [
                "Chosen by the do-no-harm rule (faults): distilled "
                + ", ".join(f"{k} {v}" for k, v in ch["distilled"].items())
                + "; control "
                + ", ".join(f"{k} {v}" for k, v in ch["control"].items())
                + ". "
                "Do no harm (distilled ≥ plain − 0.01): detection "
                f"{fam['do_no_harm']['detection']}, ROC-AUC {fam['do_no_harm']['roc_auc']}.",
                "",
            ]
        lines += _analyser_lines(fam["analysers"], far)
        recs = sorted((r for r in records if r["family"] == family), key=lambda r: r["fault"])
        if screen:
            lines += [
                "| fault | teacher | privileged | plain | privileged − plain |",
                "|---|---|---|---|---|",
            ]
            for r in recs:
                d = r["rates"]
                hard = " (hard)" if r["fault"] in HARD_FAULTS else ""
                diff = d["privileged"]["detection"] - d["plain"]["detection"]
                lines.append(
                    f"| {r['fault']}{hard} | {_f(d['teacher']['detection'])} | "
                    f"{_f(d['privileged']['detection'])} | {_f(d['plain']['detection'])} | "
                    f"{diff:+.3f} |"
                )
            lines.append("")
            continue
        lines += [
            "| fault | teacher | privileged | plain | distilled (chosen) | student | combined "
            "| control | evidence: OOF detection of teacher alarms plain / combined / student "
            "| internal control: student / combined |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in recs:
            d = r["rates"]
            ev = r["selection"]["distilled"]["evidence"]
            evs = " / ".join(
                _f((ev.get(c) or {}).get("detection")) for c in ("plain", "combined", "student")
            )
            ctrl = ev.get("control") or {}
            ctrl_text = "-"
            if ctrl:
                ctrl_text = " / ".join(
                    _f((ctrl.get(c) or {}).get("detection")) for c in ("student", "combined")
                ) + (f" (vetoed {ev['vetoed']})" if ev.get("vetoed") else "")
            hard = " (hard)" if r["fault"] in HARD_FAULTS else ""
            lines.append(
                f"| {r['fault']}{hard} | {_f(d['teacher']['detection'])} | "
                f"{_f(d['privileged']['detection'])} | "
                f"{_f(d['plain']['detection'])} | {_f(d['distilled']['detection'])} "
                f"({r['selection']['distilled']['selected']}) | "
                f"{_f(d['distilled_student']['detection'])} | "
                f"{_f(d['distilled_combined']['detection'])} | {_f(d['control']['detection'])} "
                f"| {evs} | {ctrl_text} |"
            )
        lines.append("")
    secs = sum(r.get("seconds", 0.0) for r in records)
    lines.append(f"Compute time (sum over units): {secs:.0f} s.")
    return "\n".join(lines)


def _f(x, nd=3):
    return "–" if x is None or not np.isfinite(x) else f"{x:.{nd}f}"


# ----------------------------------------------------------------------- run
def run(args):
    """Run the study; return 0 on success."""
    import shlex
    import sys

    cfg = _config(args)
    cfg_threads = dict(cfg, threads=args.threads)
    out = Path(args.out)
    folder = harness.RunFolder(out, cfg, units="units")
    units = {
        f"{family}/fault{fault:02d}": (family, fault, cfg_threads)
        for family in cfg["families"]
        for fault in cfg["faults"]
    }
    done = folder.run(
        run_unit,
        units,
        jobs=harness.jobs_for(args),
        progress=False if getattr(args, "quiet", False) else None,
        label="tep",
    )
    records = [done[k] for k in units]
    summary = summarise(records, cfg)
    command = (
        "lupi-ts anomaly tep " + " ".join(shlex.quote(a) for a in sys.argv[3:])
        if len(sys.argv) > 2 and sys.argv[1:3] == ["anomaly", "tep"]
        else "lupi-ts anomaly tep"
    )
    harness.atomic_write_json(out / "summary.json", {"config": cfg, "summary": summary})
    report = _report(summary, records, cfg, command)
    harness.atomic_write_text(out / "report.md", report + "\n")
    print(report)
    return 0
