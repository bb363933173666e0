"""Runnable experiment definitions, shipped as ``lupi_ts.experiments``.

They use the public API only, so they double as usage examples.
"""
