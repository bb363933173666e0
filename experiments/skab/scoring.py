"""Scores of every method per file: the per-file and the cross-file protocol."""

from __future__ import annotations

import numpy as np

from .config import EARLY_STOPPING, families, student_windows


def _student_regressor(args):
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(
        max_iter=args.student_iter,
        learning_rate=0.1,
        early_stopping=EARLY_STOPPING[args.early_stopping],
        random_state=args.random_state,
    )


def family_detector(family, args):
    """A detector of ``family`` ("pca", "iforest", "ae"), built as ``lupi-ts anomaly tep`` does.

    The families' settings are shared with the TEP study (``lupi_ts.experiments.tep.detector``):
    PCA T²+Q, Isolation Forest (100 trees), a convolutional autoencoder (window
    16, 16 hidden units, ``--epochs``), all seeded with ``--random-state``.
    """
    from ..tep import detector

    det = detector(family, {"random_state": args.random_state, "epochs": args.epochs})
    if family == "ae":
        det.set_params(device=args.device)
    return det


def _distilled_detector(args, teacher_inputs, n_reference=None, teacher=None):
    """The distilled student (``teacher_inputs="both"``) or its control (``"deployable"``).

    ``teacher`` (default PCA T²+Q) also sets the family of the plain detector.
    """
    from lupi_ts.anomaly import DistilledDetector

    common = dict(
        teacher=teacher,
        teacher_inputs=teacher_inputs,
        windows=student_windows(args),
        smoothing=args.student_smoothing,
        n_reference=n_reference,
        absolute_features=args.absolute_features,
        selection=args.selection,
        calibration=getattr(args, "calibration", "auto"),
        cv=args.cv,
        random_state=args.random_state,
    )
    if args.student == "gbm":
        return DistilledDetector(regressor=_student_regressor(args), **common)
    if args.student == "reconstruct":
        return DistilledDetector(
            regressor=_student_regressor(args), target="reconstruct", **common
        )
    from lupi_ts.neural import NeuralDistillationRegressor

    # the network teacher sees the window features of all sensors for the
    # distilled student; the control's sees the deployable ones (no privileged
    # input reaches it)
    regressor = NeuralDistillationRegressor(
        teacher="mlp",
        student="mlp",
        imitation=0.5,
        hint_weight=1.0,
        max_epochs=args.neural_epochs,
        batch_size=256,
        device=args.device,
        random_state=args.random_state,
    )
    return DistilledDetector(
        regressor=regressor,
        standardize=True,
        privileged_features=teacher_inputs == "both",
        **common,
    )


def per_file_scores(frame, deployable, privileged, args):
    """Scores and thresholds of every per-file method on one file."""
    import warnings

    from lupi_ts import DistillationWarning
    from lupi_ts.anomaly import (
        AutoencoderDetector,
        IsolationForestDetector,
        PCADetector,
    )

    n = args.n_train
    dep = frame[deployable].to_numpy(float)
    priv = frame[privileged].to_numpy(float)
    full = np.hstack([dep, priv])
    out = {}

    def put(name, det, X_all):
        out[name] = (det.decision_function(X_all), det.threshold_)

    put("teacher", PCADetector().fit(full[:n]), full)
    # the leaderboard's T²+Q exactly: SKAB's limits, its median over the test part
    # only, whose first 4 rows (median undefined) never alarm: they carry the threshold
    skab = PCADetector(limits="skab").fit(full[:n])
    test = skab.decision_function(full[n:])
    test[: skab.smoothing - 1] = skab.threshold_
    out["teacher_skab"] = (np.concatenate([skab.decision_scores_, test]), skab.threshold_)
    put("student", PCADetector().fit(dep[:n]), dep)
    # the privileged sensors alone (not deployable): where they carry information
    put("privileged", PCADetector().fit(priv[:n]), priv)
    out["_selected"] = {}
    for name, inputs in (("distilled", "both"), ("control", "deployable")):
        # trained on one file's normal rows only, the teacher never alarms: the
        # detector keeps its plain detector (recorded as the selection)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DistillationWarning)
            det = _distilled_detector(args, inputs).fit(dep[:n], X_priv=priv[:n])
        put(name, det, dep)
        out["_selected"][name] = det.selected_
    if args.references in ("all", "fast"):
        for suffix, X in (("deployable", dep), ("all", full)):
            det = IsolationForestDetector(random_state=args.random_state).fit(X[:n])
            put(f"iforest_{suffix}", det, X)
    if args.references == "all":
        for arch in ("conv", "lstm"):
            for suffix, X in (("deployable", dep), ("all", full)):
                det = AutoencoderDetector(
                    arch,
                    window=16,
                    hidden=16,
                    max_epochs=args.epochs,
                    device=args.device,
                    random_state=args.random_state,
                ).fit(X[:n])
                put(f"{arch}_ae_{suffix}", det, X)
    return out


def cross_file_scores(files, held_out, deployable, privileged, args, cache):
    """Teacher / student / distilled / control scores for one held-out file.

    The PCA family's methods carry their plain names (``teacher``, ``student`` =
    the plain deployable detector, ``privileged``, ``distilled``,
    ``distilled_student``, ``control``); every other family of ``--families``
    adds the same methods prefixed ``<family>__`` (e.g. ``iforest__distilled``).
    """
    import warnings

    from lupi_ts import DistillationWarning
    from lupi_ts.anomaly import PCADetector

    n = args.n_train
    frame = files[held_out]
    dep = frame[deployable].to_numpy(float)
    priv = frame[privileged].to_numpy(float)
    out = {}
    teacher = PCADetector().fit(np.hstack([dep, priv])[:n])
    out["teacher"] = (teacher.decision_function(np.hstack([dep, priv])), teacher.threshold_)
    student = PCADetector().fit(dep[:n])
    out["student"] = (student.decision_function(dep), student.threshold_)
    # the privileged sensors alone (not deployable): where they carry information
    analysers = PCADetector().fit(priv[:n])
    out["privileged"] = (analysers.decision_function(priv), analysers.threshold_)
    train = [k for k in files if k != held_out]
    if "train" not in cache:
        cache["train"] = {
            k: (files[k][deployable].to_numpy(float), files[k][privileged].to_numpy(float))
            for k in files
        }
    X = np.vstack([cache["train"][k][0] for k in train])
    P = np.vstack([cache["train"][k][1] for k in train])
    # the training files' labels (never the scored file's), for labelled validation
    labels = (
        np.concatenate([files[k]["anomaly"].to_numpy(int) for k in train])
        if getattr(args, "validation_labels", False)
        else None
    )
    groups = np.concatenate([np.full(len(files[k]), i) for i, k in enumerate(train)])
    out["_selected"] = {}
    for family in families(args):
        prefix = "" if family == "pca" else f"{family}__"
        teacher = None if family == "pca" else family_detector(family, args)
        if family != "pca":
            # the same three single detectors as the PCA family's, of this family
            for name, Z in (
                ("teacher", np.hstack([dep, priv])), ("student", dep), ("privileged", priv)
            ):
                det = family_detector(family, args).fit(Z[:n])
                out[prefix + name] = (det.decision_function(Z), det.threshold_)
        for name, inputs in (("distilled", "both"), ("control", "deployable")):
            with warnings.catch_warnings():
                # a folder whose teacher never alarms is reported through the selection
                warnings.simplefilter("ignore", DistillationWarning)
                det = _distilled_detector(args, inputs, n_reference=n, teacher=teacher).fit(
                    X, X_priv=P, groups=groups, validation_labels=labels
                )
            # one scoring pass: the deployed candidate and, for the distilled detector,
            # the student candidate whatever was chosen, each at the threshold predict
            # would apply (one series: one value)
            scores, thresholds = det.score_candidates(dep, return_thresholds=True)
            out[prefix + name] = (scores[det.selected_], float(thresholds[det.selected_][0]))
            out["_selected"][prefix + name] = det.selected_
            if name == "distilled":
                out[prefix + "distilled_student"] = (
                    scores["student"], float(thresholds["student"][0])
                )
    return out
