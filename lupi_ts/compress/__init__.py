"""Compression of torch students for on-device inference; torch is imported lazily.

``import lupi_ts.compress`` never imports torch; the first access to one of the
names below does (and raises the ImportError naming ``pip install "lupi-ts[torch]"``
when torch is missing). Every function returns a new module and leaves its
input unchanged.

Pruning
    prune_magnitude (unstructured, exact zeros), prune_structured (fewer
    units/channels), weight_sparsity
Low rank
    low_rank, factorize_layer (truncated SVD of Linear / Conv1d)
Quantization (int8, CPU)
    quantize_dynamic, quantize_static, is_quantized
Fine-tuning that keeps distilling from the teacher
    fine_tune, distillation_data
Chaining and export
    CompressionPipeline, export_model, load_exported, script_module
Measuring
    compression_report, measure_latency, format_markdown, plot_report,
    write_report, count_parameters, count_nonzero, serialized_bytes,
    PerWindow (evaluate a student one window at a time, as deployed)
"""

from __future__ import annotations

from .._lazy import lazy_exports

_EXPORTS = {
    "prune_magnitude": "_pruning",
    "prune_structured": "_pruning",
    "weight_sparsity": "_pruning",
    "low_rank": "_lowrank",
    "factorize_layer": "_lowrank",
    "quantize_dynamic": "_quantization",
    "quantize_static": "_quantization",
    "is_quantized": "_quantization",
    "fine_tune": "_finetune",
    "distillation_data": "_finetune",
    "CompressionPipeline": "_pipeline",
    "export_model": "_export",
    "load_exported": "_export",
    "script_module": "_export",
    "PerWindow": "_report",
    "compression_report": "_report",
    "measure_latency": "_report",
    "format_markdown": "_report",
    "plot_report": "_report",
    "write_report": "_report",
    "count_parameters": "_layers",
    "count_nonzero": "_layers",
    "serialized_bytes": "_layers",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
