"""Runnable experiment definitions (reproductions), shipped as ``lupi_ts.experiments``.

Every experiment runs on one harness (:mod:`lupi_ts.experiments.harness`:
configuration stamp, resume, atomic files, parallel and Dask runs) and the
statistics of :mod:`lupi_ts.stats`. They use the public API of lupi-ts only, so
they double as usage examples. Development studies (variant searches on
development seeds, pooling) live apart, in the repository's ``studies/``
folder, and are not shipped.
"""
