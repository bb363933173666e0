"""Loader for the Tennessee Eastman process training files (Braatz data set)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ._base import (
    check_retry_parameters,
    fetch_cached_files,
    get_data_home,
    verify_sha256,
)

__all__ = ["TEP_DEPLOYABLE", "TEP_PRIVILEGED", "TEP_SENSORS", "fetch_tep"]

# XMEAS(1..41) process measurements, then XMV(1..11) manipulated variables.
TEP_SENSORS = (*(f"XMEAS({i})" for i in range(1, 42)), *(f"XMV({i})" for i in range(1, 12)))
# XMEAS(23..41) are the composition analysers (gas chromatographs, sampled every
# 6 or 15 minutes with a dead time): the natural privileged sensors.
TEP_PRIVILEGED = tuple(f"XMEAS({i})" for i in range(23, 42))
TEP_DEPLOYABLE = tuple(s for s in TEP_SENSORS if s not in TEP_PRIVILEGED)
TEP_FAULTS = tuple(range(1, 22))
# practically undetectable by any method in the literature
TEP_HARD_FAULTS = (3, 9, 15)

# Raw files of the public repository the shared copy was taken from, byte for byte;
# module-level so that tests (and mirrors) can point it elsewhere.
TEP_BASE_URL = "https://raw.githubusercontent.com/camaramm/tennessee-eastman-profBraatz/master/"

# sha256 of every file, in ``sha256sum`` format; identical to datasets/tep/SHA256SUMS.
_SHA256SUMS = """\
4c3c0b11eefacf93e5d2529e2866d7a625e37aa9153d0f95fae17a6c9e560deb  d00.dat
b0da22ac7561d82b0ba0b48bf87d2b3a8655cb23a3dc37330dd03cdd126c387c  d01.dat
af1a46ba3a5482be3e7b143606f22ae509138544af2a2d0eb7389459257f8179  d02.dat
df39c57bdac7ea476ee236c289e0f59b0cbf868adfbbbaf213f692d8cd96e52a  d03.dat
346702fce33d9707f0b4ec5b8f533ccb08be60313607d5156d7e237b80a87b3f  d04.dat
3a47bfce4010ce0c634ae828409cce657ecd03bf0c4d59f8dd4a3d4f792f493f  d05.dat
ff0882a44bb74f5d2d1a864425ac7e5ae82420391c7060232cefc08ad5bf7331  d06.dat
e3fd272ed53f899ab0c8278c7eede55418b01a2339b5fcff14a87fefaa3d181d  d07.dat
4817735e339449bec909d1cbe77e421acc79c7357b8c6b5bb82c6e5788b72449  d08.dat
cb9146da760cdd52cad575d745413a5cfb4b447af2db9fb6a424cf6881ff0fcd  d09.dat
e08697b5d074aea2345434bc4d26296f5dbdbb7efbf37a1bbee292b2ce765e8f  d10.dat
8294734d6f6e8f6b8643b9dc72f38ce40afd868d30dee9368a0d26b963a0af9f  d11.dat
62fcb3c71c0eda8eaaaf707f35296e60b17baaf9a9aef588687532cf4c560d38  d12.dat
f755d4ab6dc1d30e36c2e4604eeb0baff4b91032f487398b97fb1220eda861dd  d13.dat
29fda7d5cae58cb7240e569e2d2d436371d077d282187d9205c7dc01df8755af  d14.dat
4c82fe0864cce2521e91a2c3e59d8630627c5e633cffe83f5e34ebc9901b5bca  d15.dat
ca1dfc5e31292052e83dcf6b4f60a73da197eb8a47e65d908ed7ac3cbcccb007  d16.dat
596aad6421a64d257bfa098cd5c4664d46dc49d88d1bad86cbc9518e6cd69e42  d17.dat
b4d182c070036104cf150bc33f7aa879805f19943eb298bc05bdc8647dc70291  d18.dat
ee3d2a50285cb3ba5e52ec05ea7cb39dc2b574bec592af9d44c192be132aeea6  d19.dat
acdfe6c256fa6de74a811d6c7df1b710a9f0ed60f48242be92f3fa30db3df6b3  d20.dat
f34a9fefffef04ef1f49b3fb74e3def0010cda27a8577d814dd50604e2f8dc09  d21.dat
70a00a943dd2ef2a1749e694fca4340b588a9c71764e9860d4854e1362a8030d  LICENSE
"""
TEP_SHA256 = {
    name: digest for digest, name in (line.split(maxsplit=1) for line in _SHA256SUMS.splitlines())
}

DESCR = """\
Tennessee Eastman process (TEP), Braatz data set: training files
-----------------------------------------------------------------
Simulated chemical plant (Downs & Vogel 1993), 3-minute sampling, 52 columns:
XMEAS(1..41) measurements, then XMV(1..11) manipulated variables. XMEAS(1..22) are
continuous process measurements; XMEAS(23..41) are composition analysers (gas
chromatographs sampled every 6 or 15 minutes with a dead time) -- expensive, slow and
often absent from a deployed monitor, the natural privileged sensors. Deployable set:
XMEAS(1..22) + XMV(1..11) (33 columns).

d00.dat: normal operation, 500 observations (the file stores them transposed, 52 x 500).
d01.dat .. d21.dat: one process fault each, 480 x 52; the data were recorded after the
fault was introduced, so the fault is active from the first row. Faults 3, 9 and 15
are practically undetectable by any method in the literature. The benchmark's separate
test runs (d00_te .. d21_te) are not part of this set.

Source: Chiang, Russell & Braatz, copied byte for byte from the public repository
camaramm/tennessee-eastman-profBraatz. Licence: University of Illinois (permissive, see
its LICENSE file; keep the copyright notice and cite). Citations: Downs, J. J. and Vogel,
E. F. (1993). A plant-wide industrial process control problem. Computers & Chemical
Engineering 17(3), 245-255. Chiang, L. H., Russell, E. L. and Braatz, R. D. (2001).
Fault Detection and Diagnosis in Industrial Systems. Springer.
"""

_HOW_TO_PROVIDE = (
    "Get the Braatz TEP training files (d00.dat .. d21.dat and LICENSE of "
    "github.com/camaramm/tennessee-eastman-profBraatz) and pass their folder as "
    "fetch_tep(path=...), or copy them into {folder}."
)


def _read_dat(path: Path, name: str, *, transposed: bool) -> pd.DataFrame:
    values = np.loadtxt(path, dtype=np.float64, ndmin=2)
    if transposed:
        values = values.T
    if values.shape[1] != len(TEP_SENSORS):
        raise ValueError(
            f"TEP file {name!r} ({path}): expected {len(TEP_SENSORS)} columns, "
            f"got shape {values.shape}."
        )
    frame = pd.DataFrame(values, columns=list(TEP_SENSORS))
    frame.index.name = "sample"
    return frame


def _local_files(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        raise FileNotFoundError(f"path: {folder} is not a folder (expected the TEP files)")
    paths = {}
    for rel, digest in TEP_SHA256.items():
        file = folder / rel
        if not file.is_file():
            raise FileNotFoundError(
                f"TEP file {rel!r} is missing from {folder}: the folder must hold "
                f"{', '.join(TEP_SHA256)}."
            )
        paths[rel] = verify_sha256(file, digest, hint=f"Restore a pristine copy of {rel}.")
    return paths


def fetch_tep(
    data_home: str | os.PathLike[str] | None = None,
    *,
    path: str | os.PathLike[str] | None = None,
    download_if_missing: bool = True,
    n_retries: int = 3,
    delay: float = 1.0,
) -> Bunch:
    """Load the Tennessee Eastman training files (Braatz data set), downloading them if needed.

    The 22 training files (``d00.dat`` normal operation, ``d01.dat`` .. ``d21.dat``
    one fault each) and the LICENSE of the public repository
    camaramm/tennessee-eastman-profBraatz are cached in ``data_home/tep/``; every file
    is checked against its pinned sha256 digest, whether downloaded, cached or read
    from ``path``.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Cache folder (see :func:`get_data_home`). Ignored when ``path`` is given.
    path : str or path-like, default=None
        A local folder holding the files (e.g. ``../shared/data/tep``); nothing is
        downloaded.
    download_if_missing : bool, default=True
        Download files missing from the cache; if False, a missing file raises OSError.
    n_retries : int, default=3
        Retries per file after a network error.
    delay : float, default=1.0
        Seconds between retries.

    Returns
    -------
    data : sklearn.utils.Bunch
        With exactly these fields:

        normal : pandas.DataFrame
            ``d00.dat``: 500 rows of normal operation, the 52 columns of
            :data:`TEP_SENSORS` (``d00.dat`` stores them transposed; this is
            the usual rows-are-samples layout).
        faults : dict of int to pandas.DataFrame
            Fault number (1..21) to its 480 x 52 frame; the fault is active
            from the first row.
        sensors, deployable, privileged : list of str
            All 52 columns; XMEAS(1..22) + XMV(1..11); XMEAS(23..41) (the
            composition analysers).
        hard_faults : list of int
            ``[3, 9, 15]``: practically undetectable; report them, judge on the others.
        path : pathlib.Path
            The folder that was read.
        DESCR : str
            Source, licence, citations and layout.

    Raises
    ------
    ChecksumError
        A file's digest is not the pinned one (the message names the file).
    FileNotFoundError
        ``path`` lacks one of the files.
    OSError
        A file is neither cached nor downloadable (offline), or is not cached and
        ``download_if_missing=False``.

    Examples
    --------
    >>> from lupi_ts.datasets import fetch_tep
    >>> from lupi_ts.datasets._tep import TEP_DEPLOYABLE, TEP_PRIVILEGED
    >>> len(TEP_DEPLOYABLE), len(TEP_PRIVILEGED), TEP_PRIVILEGED[0]
    (33, 19, 'XMEAS(23)')
    >>> tep = fetch_tep(path="../shared/data/tep")  # doctest: +SKIP
    >>> tep.normal.shape, tep.faults[1].shape  # doctest: +SKIP
    ((500, 52), (480, 52))
    """
    if not isinstance(download_if_missing, (bool, np.bool_)):
        raise TypeError(f"download_if_missing must be a bool, got {download_if_missing!r}")
    check_retry_parameters(n_retries, delay)
    if path is not None:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be None, a str or a path-like object, got {path!r}")
        folder = Path(path).expanduser().resolve()
        paths = _local_files(folder)
    else:
        folder = get_data_home(data_home) / "tep"
        paths = fetch_cached_files(
            folder,
            TEP_SHA256,
            TEP_BASE_URL,
            dataset="TEP",
            how_to_provide=_HOW_TO_PROVIDE,
            download_if_missing=download_if_missing,
            n_retries=n_retries,
            delay=delay,
        )
    normal = _read_dat(paths["d00.dat"], "d00.dat", transposed=True)
    faults = {
        i: _read_dat(paths[f"d{i:02d}.dat"], f"d{i:02d}.dat", transposed=False) for i in TEP_FAULTS
    }
    return Bunch(
        normal=normal,
        faults=faults,
        sensors=list(TEP_SENSORS),
        deployable=list(TEP_DEPLOYABLE),
        privileged=list(TEP_PRIVILEGED),
        hard_faults=list(TEP_HARD_FAULTS),
        path=folder,
        DESCR=DESCR,
    )
