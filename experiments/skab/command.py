"""Command line of ``lupi-ts anomaly skab|synthetic``: options and the run."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from ..harness import atomic_write_text
from .config import (
    EARLY_STOPPING,
    FAMILIES,
    PROTOCOLS,
    SELECTIONS,
    SKAB_DEPLOYABLE,
    STUDENT_SMOOTHING,
    STUDENT_WINDOWS,
    STUDENTS,
    config_digest,
    experiment_config,
    families,
)
from .data import load_data, load_file, safe_name, save_file
from .evaluation import (
    bootstrap_gains,
    choice_counts,
    do_no_harm,
    evaluate,
    family_view,
    folder_gains,
    paired_test,
    privileged_files,
    split_gains,
)
from .report import plot_files, render_report
from .scoring import cross_file_scores, per_file_scores


def add_arguments(parser, name):
    """Register the options of ``lupi-ts anomaly skab|synthetic``."""
    if name == "skab":
        parser.add_argument(
            "--data",
            metavar="PATH",
            default=None,
            help="local copy of SKAB's data/ folder (default: the lupi-ts cache, "
            "downloaded if missing)",
        )
    else:
        parser.add_argument("--n-series", type=int, default=12, help="generated runs (files)")
        parser.add_argument("--n-steps", type=int, default=1000, help="rows per run")
        parser.add_argument("--seed", type=int, default=0, help="random_state of the generator")
        parser.add_argument(
            "--anomaly-types",
            default="shift,drift,decoupling,vibration",
            help="comma-separated anomaly types of the generated runs, assigned in turn "
            "(default %(default)s; 'shift' alone: a latent step that the privileged sensors "
            "read clearly and the deployable ones only through noise)",
        )
        parser.add_argument(
            "--magnitude", type=float, default=1.0, help="scale of the injected anomalies"
        )
        parser.add_argument(
            "--heterogeneity",
            type=float,
            default=0.0,
            help="how much runs differ in latent persistence, deployable noise and "
            "sensitivity (make_sensor_anomalies(heterogeneity=...); default 0: runs differ "
            "only in offsets and gains)",
        )
    parser.add_argument(
        "--deployable",
        metavar="SENSORS",
        default=None,
        help="comma-separated deployable sensors (default: "
        + (", ".join(SKAB_DEPLOYABLE) if name == "skab" else "the generator's deployable set")
        + "); all other sensors are privileged",
    )
    parser.add_argument(
        "--protocol",
        choices=(*PROTOCOLS, "both"),
        default="both",
        help="per-file (published protocol), cross-file (leave one file out) or both",
    )
    parser.add_argument(
        "--out", metavar="DIR", default=None, help=f"output folder (default results/anomaly/{name})"
    )
    parser.add_argument("--n-train", type=int, default=400, help="leading normal rows per file")
    parser.add_argument(
        "--max-files", type=int, default=None, help="use only the first N files (quick runs)"
    )
    parser.add_argument(
        "--references",
        choices=("all", "fast", "none"),
        default="all",
        help="reference detectors in the per-file protocol: all (Isolation Forest and "
        "autoencoders), fast (Isolation Forest only) or none",
    )
    parser.add_argument("--epochs", type=int, default=15, help="autoencoder epochs")
    parser.add_argument(
        "--student",
        choices=STUDENTS,
        default="gbm",
        help="distilled student and control: gbm (gradient boosting regresses the teacher's "
        "score from window features), neural (an MLP NeuralDistillationRegressor on the same "
        "features; its network teacher sees all sensors' features, imitation and hint loss), "
        "reconstruct (gradient boosting predicts the privileged sensors; the score is T²+Q "
        "on deployable + reconstructed sensors)",
    )
    parser.add_argument(
        "--student-iter", type=int, default=100, help="boosting iterations of the students"
    )
    parser.add_argument(
        "--cv", type=int, default=3, help="cross-fitting folds of the distilled detectors"
    )
    parser.add_argument(
        "--selection",
        choices=SELECTIONS,
        default="auto",
        help="what the distilled detector and the control deploy: auto (the do-no-harm rule: "
        "the student, or student and plain detector combined, only when out of fold they "
        "detect more of the teacher's alarms than the plain detector does), or that "
        "candidate always; with the internal control (a student of a deployable-only "
        "teacher) vetoing a distilled choice it matches",
    )
    parser.add_argument(
        "--calibration",
        choices=("auto", "series", "pooled"),
        default="auto",
        help="how the distilled detectors put student scores on the plain detector's scale "
        "(DistilledDetector(calibration=...)): auto = series in the cross-file protocol "
        "(each file on its own first --n-train rows), pooled = one map from all training "
        "files' out-of-fold reference rows (the rule before detector version 7)",
    )
    parser.add_argument(
        "--validation-labels",
        action="store_true",
        help="cross-file protocol: let the distilled detector choose what to deploy by "
        "labelled validation on the training files' anomaly labels (never the scored "
        "file's; DistilledDetector.fit(validation_labels=...)) instead of the label-free "
        "rule",
    )
    parser.add_argument(
        "--student-windows",
        metavar="W1,W2,...",
        default=",".join(map(str, STUDENT_WINDOWS)),
        help="causal rolling windows (rows) of the students' features (default %(default)s)",
    )
    parser.add_argument(
        "--student-smoothing",
        type=int,
        default=STUDENT_SMOOTHING,
        help="causal rolling median (rows) over the students' scores (default %(default)s)",
    )
    parser.add_argument(
        "--early-stopping",
        choices=tuple(EARLY_STOPPING),
        default="off",
        help="gradient boosting's early stopping on 10%% of the pooled training rows: off "
        "(default: all --student-iter iterations), on, or auto (scikit-learn's rule: on "
        "above 10,000 rows; the setting of the first SKAB report)",
    )
    parser.add_argument(
        "--neural-epochs", type=int, default=10, help="epochs of the neural students"
    )
    parser.add_argument(
        "--absolute-features",
        action=argparse.BooleanOptionalAction,
        default=name == "skab",
        help="give the students raw sensor levels besides per-file standardised windows; "
        "same for distilled and control (default: on for SKAB, whose files all come from "
        "one rig; off for generated runs, which have their own offsets and gains)",
    )
    parser.add_argument(
        "--families",
        default="pca",
        help="comma-separated detector families of the cross-file protocol among "
        + ", ".join(FAMILIES)
        + " (default %(default)s). Each runs its teacher on all sensors, plain detector on "
        "the deployable ones, distilled detector, student and control (detectors as in "
        "`lupi-ts anomaly tep`; ae uses --epochs) and gets a report section and a "
        "do-no-harm verdict on the judged files (valve2 + other). PCA is always run; the "
        "per-file protocol stays PCA only",
    )
    parser.add_argument("--n-plots", type=int, default=3, help="files plotted per protocol")
    parser.add_argument("--device", default="auto", help="torch device for the autoencoders")
    parser.add_argument(
        "--threads", type=int, default=1, help="BLAS/OpenMP/torch threads (default 1)"
    )
    parser.add_argument("--random-state", type=int, default=0, help="seed of every model")
    parser.set_defaults(_experiment_name=name)



def run(args):
    """Run the study; return 0 on success."""
    from threadpoolctl import threadpool_limits

    name = getattr(args, "_experiment_name", "skab")
    if args.threads < 1:
        raise ValueError(f"--threads must be >= 1; got {args.threads}.")
    if args.n_train < 10:
        raise ValueError(f"--n-train must be >= 10; got {args.n_train}.")
    out = Path(args.out) if args.out else Path("results") / "anomaly" / name
    out.mkdir(parents=True, exist_ok=True)
    fams = families(args)
    if "ae" in fams:
        try:
            import torch  # noqa: F401
        except ImportError as exc:  # pragma: no cover - torch is an optional extra
            raise ValueError(
                "--families ae needs torch (pip install 'lupi-ts[torch]'); drop ae."
            ) from exc
    files, deployable, privileged = load_data(args)
    cfg = experiment_config(args, deployable, privileged, files)
    digest = config_digest(cfg)
    protocols = PROTOCOLS if args.protocol == "both" else (args.protocol,)
    if args.neural_epochs < 1:
        raise ValueError(f"--neural-epochs must be >= 1; got {args.neural_epochs}.")
    if args.student_smoothing < 1:
        raise ValueError(f"--student-smoothing must be >= 1; got {args.student_smoothing}.")
    if args.references == "all" or args.student == "neural":
        try:
            import torch

            torch.set_num_threads(args.threads)
        except ImportError as exc:  # pragma: no cover - torch is an optional extra
            raise ValueError(
                "--references all and --student neural need torch (pip install "
                "'lupi-ts[torch]'); use --references fast or none and another --student."
            ) from exc

    # threadpoolctl limits only the libraries loaded when the limit is entered:
    # load scikit-learn's OpenMP extensions (boosting) before it
    import sklearn.ensemble  # noqa: F401

    import lupi_ts.anomaly  # noqa: F401

    summary_path = out / "summary.json"
    previous = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    same = previous.get("config_digest") == digest
    summary = previous.get("protocols", {}) if same else {}
    timing = previous.get("timing", {}) if same else {}
    per_file_auc, tests, plots, bootstrap, by_folder, splits = {}, {}, {}, {}, {}, {}
    chosen, priv_files, family_docs = {}, {}, {}
    with threadpool_limits(limits=args.threads):
        for protocol in protocols:
            folder = out / protocol / "files"
            folder.mkdir(parents=True, exist_ok=True)
            stamp = folder / "config.json"
            if stamp.exists():
                if json.loads(stamp.read_text()).get("digest") != digest:
                    # results of another configuration: never mix them, never delete them
                    raise ValueError(
                        f"{folder} holds results of another configuration "
                        f"({stamp} differs from this run's settings); mixing them would "
                        "corrupt both. Use another --out folder, or delete that folder "
                        "to recompute."
                    )
            elif any(folder.glob("*.npz")):
                raise ValueError(
                    f"{folder} holds score files without a config.json; refusing to mix "
                    "results of an unknown configuration. Use another --out folder."
                )
            else:
                atomic_write_text(stamp, json.dumps({"digest": digest, "config": cfg}, indent=1))
            cache, results = {}, {}
            for i, k in enumerate(files):
                path = folder / f"{safe_name(k)}.npz"
                if not path.exists():
                    t0, c0 = time.perf_counter(), time.process_time()
                    if protocol == "per-file":
                        scores = per_file_scores(files[k], deployable, privileged, args)
                    else:
                        scores = cross_file_scores(
                            files, k, deployable, privileged, args, cache
                        )
                    seconds = (time.perf_counter() - t0, time.process_time() - c0)
                    save_file(path, scores, files[k], seconds)
                    print(f"[{protocol}] {i + 1}/{len(files)} {k} done", flush=True)
                results[k] = load_file(path)
            everything = results
            # the main tables are the PCA family's (the only one by default)
            results = family_view(everything, "pca")
            # summed per-file compute times, so a resumed run reports the whole work
            timing[protocol] = {
                "wall_s": float(sum(r[3][0] for r in results.values())),
                "cpu_s": float(sum(r[3][1] for r in results.values())),
            }
            summary[protocol], per_file_auc[protocol] = evaluate(results, files, args.n_train)
            chosen[protocol] = choice_counts(results)
            tests[protocol] = [
                paired_test(per_file_auc[protocol], "distilled", "student"),
                paired_test(per_file_auc[protocol], "control", "student"),
                paired_test(per_file_auc[protocol], "distilled", "control"),
            ]
            if len(results) >= 2:
                bootstrap[protocol] = bootstrap_gains(
                    results, args.n_train, seed=args.random_state
                )
                by_folder[protocol] = folder_gains(
                    results, files, args.n_train, seed=args.random_state
                )
                splits[protocol] = split_gains(results, files, args.n_train, seed=args.random_state)
                priv_files[protocol] = privileged_files(
                    results, files, per_file_auc[protocol], args.n_train, seed=args.random_state
                )
            if protocol == "cross-file" and len(fams) > 1:
                family_docs[protocol] = {
                    family: _family_doc(
                        results if family == "pca" else family_view(everything, family),
                        files, args, full=family != "pca",
                    )
                    for family in fams
                }
            plots[protocol] = plot_files(results, files, protocol, out, args.n_plots, args.n_train)
            print(
                f"[{protocol}] compute time {timing[protocol]['wall_s']:.1f} s wall, "
                f"{timing[protocol]['cpu_s']:.1f} s CPU",
                flush=True,
            )

    doc = {
        "config": cfg,
        "config_digest": digest,
        "protocols": summary,
        "paired_tests": tests,
        "bootstrap": bootstrap,
        "by_folder": by_folder,
        "splits": splits,
        "chosen": chosen,
        "privileged_files": priv_files,
        "per_file_roc_auc": per_file_auc,
        "timing": timing,
        "plots": plots,
    }
    if family_docs:
        doc["families"] = family_docs
    atomic_write_text(summary_path, json.dumps(doc, indent=1, default=float))
    report = render_report(
        {p: summary[p] for p in protocols}, per_file_auc, tests, timing, cfg, name == "skab",
        bootstrap, by_folder, splits, chosen, priv_files, family_docs,
    )
    atomic_write_text(out / "report.md", report + "\n")
    print(report)
    return 0


def _family_doc(results, files, args, full=True):
    """One family's cross-file results: the do-no-harm verdict on the judged files and
    (``full``) the same statistics as the main tables."""
    seed = args.random_state
    out = {"do_no_harm": do_no_harm(results, files, args.n_train, seed=seed)}
    if not full:
        return out
    summary, per_file = evaluate(results, files, args.n_train)
    out.update(
        summary=summary,
        per_file_auc=per_file,
        chosen=choice_counts(results),
        tests=[
            paired_test(per_file, "distilled", "student"),
            paired_test(per_file, "control", "student"),
            paired_test(per_file, "distilled", "control"),
        ],
    )
    if len(results) >= 2:
        out.update(
            bootstrap=bootstrap_gains(results, args.n_train, seed=seed),
            by_folder=folder_gains(results, files, args.n_train, seed=seed),
            splits=split_gains(results, files, args.n_train, seed=seed),
            privileged_files=privileged_files(
                results, files, per_file, args.n_train, seed=seed
            ),
        )
    return out
