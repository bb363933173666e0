"""Runnable experiment definitions, shipped as ``lupi_ts.experiments``; they use the public API only."""
