"""Root pytest configuration: doctest collection of the package without optional extras.

The package's torch modules import torch at module level (``lupi_ts.neural``
itself imports it lazily). Without the ``torch`` extra their doctests cannot be
collected, so they are left out instead of failing the whole run.
"""

import importlib.util

collect_ignore_glob = []
if importlib.util.find_spec("torch") is None:
    collect_ignore_glob += [
        "lupi_ts/neural/_*.py",
        "lupi_ts/compress/_*.py",
        "lupi_ts/anomaly/_autoencoders.py",
        "lupi_ts/lupts/_representation.py",  # imports torch in fit; its doctest trains
    ]
