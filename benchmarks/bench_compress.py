"""CPU inference speed and size of compressed students against the float eager student.

Run ``python benchmarks/bench_compress.py`` (``--quick`` for fewer sizes and repeats).

For the shapes of the anomaly and Hayashi students of ``lupi-ts compress``
(MLP 32 / 4 -> 256 -> 256 -> 1), MLP students of
growing width on the PM2.5-b input (77 features) and a
TemporalCNN on 7 x 11 windows (weights random: speed and size do not depend on
training), each variant is measured by :func:`lupi_ts.compress.compression_report`:
median per-window latency of the eager module and of its exported frozen
TorchScript file at batch 1 and 256, with one thread, plus the file size.

The reference is the float student run eagerly (how
``NeuralDistillationClassifier.predict`` runs it). Ratios > 1 are faster /
smaller than the reference; all cells of one table come from the same run, so
the ratios are comparable even when the machine is loaded. Prints markdown tables.
"""

from __future__ import annotations

import argparse
import os
import warnings
from functools import partial

import torch

from lupi_ts.compress import (
    compression_report,
    low_rank,
    prune_structured,
    quantize_dynamic,
    quantize_static,
)
from lupi_ts.neural import MLP, TemporalCNN


def variants(net, calibration):
    """The compression variants of one student (name, module)."""
    pruned = prune_structured(net, 0.75)
    half = prune_structured(net, 0.5)
    out = [
        ("float", net),
        ("int8 dynamic", quantize_dynamic(net)),
        ("int8 static", quantize_static(net, calibration)),
        ("low-rank e90", low_rank(net, energy=0.9)),
        ("struct-prune 50%", half),
        ("struct-prune 50% + int8 dyn", quantize_dynamic(half)),
        ("struct-prune 75%", pruned),
        ("struct-prune 75% + int8 dyn", quantize_dynamic(pruned)),
    ]
    return out


def table(title, rows):
    ref = rows[0]
    lines = [
        f"### {title}",
        "",
        "| variant | params | file KiB | smaller | eager b1 µs | file b1 µs | b1 speed-up "
        "(file vs ref eager) | b1 speed-up (file vs ref file) | file b256 µs/win | "
        "b256 speed-up (file vs ref eager) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['stage']} | {r['parameters']:,} | {r['file_bytes'] / 1024:.1f} | "
            f"{ref['file_bytes'] / r['file_bytes']:.2f}x | {r['eager_b1_us']:.1f} | "
            f"{r['file_b1_us']:.1f} | {ref['eager_b1_us'] / r['file_b1_us']:.2f}x | "
            f"{ref['file_b1_us'] / r['file_b1_us']:.2f}x | {r['file_b256_us']:.3f} | "
            f"{ref['eager_b256_us'] / r['file_b256_us']:.2f}x |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer sizes and repeats")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")  # torch's deprecation notices for torch.ao / torch.jit
    torch.manual_seed(0)
    widths = (64, 256) if args.quick else (64, 256, 1024)
    repeats = 5 if args.quick else 15
    report = partial(compression_report, repeats=repeats, min_time=0.01 if args.quick else 0.02)
    print(f"torch {torch.__version__}, quantized engine {torch.backends.quantized.engine}, "
          "1 thread, median of", repeats, "runs\n")
    print("load average at start:", " ".join(f"{v:.1f}" for v in os.getloadavg()), "\n")
    # the shapes of the two students of ``lupi-ts compress``: the anomaly student (32
    # window features of SKAB's 4 deployable sensors) and the Hayashi student (4 inputs)
    for n_in, name in ((32, "anomaly"), (4, "hayashi")):
        x_student = torch.randn(512, n_in)
        net = MLP(n_in, 1, hidden=(256, 256)).eval()
        print(table(f"MLP {n_in} -> 256 -> 256 -> 1 ({name} student)",
                    report(variants(net, x_student), x_student)), "\n")
    x_flat = torch.randn(512, 77)
    for width in widths:
        net = MLP(77, 1, hidden=(width, width)).eval()
        rows = report(variants(net, x_flat), x_flat)
        print(table(f"MLP 77 -> {width} -> {width} -> 1", rows), "\n")
    x_seq = torch.randn(512, 7, 11)
    for channels in ((32, 32),) if args.quick else ((32, 32), (128, 128)):
        net = TemporalCNN(11, 1, channels=channels, kernel_size=3).eval()
        rows = report(variants(net, x_seq), x_seq)
        print(table(f"TemporalCNN 11 -> {channels} channels, window 7", rows), "\n")


if __name__ == "__main__":
    main()
