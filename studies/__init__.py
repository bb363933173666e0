"""Development studies of lupi-ts: variant searches on development seeds and pooling.

They are kept apart from the reproductions in ``lupi_ts.experiments`` (and are not
shipped in the wheel); run them from the repository root, e.g.
``python -m studies.hayashi2019_variants --help``. They use public names only.
"""
