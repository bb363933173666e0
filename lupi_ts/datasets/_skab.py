"""Downloader for SKAB, the Skoltech Anomaly Benchmark (GPL-3.0 data, never bundled)."""

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

__all__ = ["SKAB_SENSORS", "fetch_skab"]

SKAB_SENSORS = (
    "Accelerometer1RMS",
    "Accelerometer2RMS",
    "Current",
    "Pressure",
    "Temperature",
    "Thermocouple",
    "Voltage",
    "Volume Flow RateRMS",
)
SKAB_LABELS = ("anomaly", "changepoint")

# Raw files of the public repository; module-level so that tests (and mirrors) can point
# it elsewhere, e.g. at a file:// URL.
SKAB_BASE_URL = "https://raw.githubusercontent.com/waico/SKAB/master/data/"

# The 34 anomalous experiments in the benchmark's order, then the anomaly-free run.
SKAB_FILES = (
    *(f"valve1/{i}" for i in range(16)),
    *(f"valve2/{i}" for i in range(4)),
    *(f"other/{i}" for i in range(1, 15)),
)
SKAB_ANOMALY_FREE = "anomaly-free/anomaly-free"

# sha256 of every file, in ``sha256sum`` format; identical to datasets/skab/SHA256SUMS.
_SHA256SUMS = """\
7641a8742957100ef424dd97adfb3eeab27d4d180645fe2b3c49b7f7146ae9a6  anomaly-free/anomaly-free.csv
16af3f71313a23dd33d9b7b8065d836d05c3f9257588881cc7fbe07c076d9dc8  valve1/0.csv
fe4493bf805baef4e6dfb864094275d8cc2ea80a16b3735e2752b18b6aefd812  valve1/1.csv
ee16be8e4b870c779491e3d1dc9e0ecbfaf29eb013e032abff7a33f2cbbfe2ad  valve1/10.csv
89660fae4ed5c918db014409bbbc29f498fd99c7e956fab2620d18dea700a973  valve1/11.csv
90adfa9bc86d4556e6a4ce734436fd5685af79c189cd9828f8df75a7f468ce07  valve1/12.csv
d6cb6a97437215d3066a87e1fcc5fa4e68017629c043c5315920e3cf1060841c  valve1/13.csv
5f0bb9bc33c5e6c259263e32e25915c4d24c82b0a94554d48808626da05c1d71  valve1/14.csv
75cc86ab25d7091eee024739fa06d048753480d5d7d1507077231cab4f1b7a7e  valve1/15.csv
90492413469261886c8896c327241448df5da73fd7739cabfec8dd82de3c0ce4  valve1/2.csv
cb6afea108eddfd8447307e405f86bbb764b8d8e9130d7849a46e1303e19b8b2  valve1/3.csv
983aed9dc09991a57911091373c580e1b86d06aa983cd51678f108fd8d709654  valve1/4.csv
78974991ec87b7f9b9b6b2944f4b525468a9beb36c59b06cd7650d9a15eca14a  valve1/5.csv
97469c0e0c9c0e0ee5d30794f1f36c6785df5816a112a8b16c59637e8c894685  valve1/6.csv
ca2c9c6d6fa302c642acec6fbedac495bd12fececeee0a755d45a54e340e0f30  valve1/7.csv
0c4afb92248b5b35b4c9d734a91ed8318346901f04579074903730569e60416c  valve1/8.csv
2aa1ae1b2ff505caecda24802b877dc686924bbbeeb7e7db4faa261efb5ed5bd  valve1/9.csv
a6670e7a68c7c6ba62c649bd9d350633e80db624578e9529f2b736ced5e32bde  valve2/0.csv
b35d27f664eb0851ab73e5eb06633404c7eeaf532edff7e40c68eb9379f2012b  valve2/1.csv
2c3005cf28b88db715b7f4694e826ff252cba4dbb1eba679b040961f80477e60  valve2/2.csv
86927555d5c523e587d41500bd5dee4e2468289ec1b988ac17755aeae697d7f8  valve2/3.csv
3beaf861bdfe9b4f4eff8e7567c1dd3f506fbd0ce667fc9399d04bd2dc70623d  other/1.csv
72683644f6f17689f619076a66a9ec02cbc0502bd669924c4c33951d1bdad9b0  other/10.csv
98a2fff3b6516205ae2e12f2dd30d7f08465fe4321a1bd5cf823396985ecb37b  other/11.csv
b0882efbcf2669223ae78bee61c9f10074a9b2375f0e86b8957ae5ce4aad1e72  other/12.csv
b3f1da02064d11234836a9fa1a2536bb0d3b6c6998ab60b0b71869b98e94d860  other/13.csv
c7f361e55397cc9efd4a76b6876111eda79b650d10aeb007342ca5972152eaef  other/14.csv
951c326bf36366fa7615b8f28d22f80b3878036069a690f42b3e223737a6a8d1  other/2.csv
f3c19a89f74f62a475c246b9263f161f7a734dd88304de803939cebaa55c7ebd  other/3.csv
56ca23f4eb61d1347d079eb9a35c60a59b8b64e160c00dd0c2ec69e0df0b2a4b  other/4.csv
7347b326df3a92c0810c69add0e5621939af7a1c1cb4755081d088e72d36920f  other/5.csv
eb8f05622a62c855040ea358b87be35fb1a4a3720ba0610569bab384db4b6e04  other/6.csv
1bee14f49bfc817ba2c335fb427baa71153d8f8ab52e72652f15f74e4b77daec  other/7.csv
12c138ed99c198e0a7ece886fe01bfd16bbdde206fad6c5d74322b6b9d6488d0  other/8.csv
11c4514b0bc706acff637fea6707ad9258ac878fe9dff3d0b11d2b618d94d8ea  other/9.csv
"""
SKAB_SHA256 = {
    name: digest for digest, name in (line.split(maxsplit=1) for line in _SHA256SUMS.splitlines())
}

DESCR = """\
SKAB: Skoltech Anomaly Benchmark
--------------------------------
Sensor data from a water-circulation testbed (about 1 s sampling) with 8 sensors:
Accelerometer1RMS, Accelerometer2RMS, Current, Pressure, Temperature, Thermocouple,
Voltage, Volume Flow RateRMS. 34 experiments with one induced anomaly each
(valve1/0..15, valve2/0..3, other/1..14; 745 to 1,327 rows, one contiguous anomaly
run per file) with pointwise labels ``anomaly`` and ``changepoint``, plus one
anomaly-free run (9,405 rows, no labels).

Protocol (as published with the leaderboard): per file, the first 400 rows are
training data (treated as normal) and the rest is test; one model per file. Over the
34 test parts: 23,801 rows, 12,771 anomalous, 127 changepoints. Outlier detection
pools pointwise TP/FP/TN/FN over the test parts (F1, FAR, MAR); changepoint detection
uses the NAB score with a 60 s window to the right of each changepoint.

Source: https://github.com/waico/SKAB (files under data/).
Data DOI: 10.34740/KAGGLE/DSV/1693952.
Licence: GNU General Public License v3.0 (GPL-3.0). lupi-ts does not bundle these
files; they are downloaded at run time and checked against pinned sha256 digests.
Citation: Katser, I. D. and Kozitsin, V. O. (2020). Skoltech Anomaly Benchmark (SKAB).
Kaggle. https://doi.org/10.34740/KAGGLE/DSV/1693952
"""

_HOW_TO_PROVIDE = (
    "Get the SKAB data folder (https://github.com/waico/SKAB, folder data/) and pass it "
    "as fetch_skab(path=...), or copy its files into {folder}."
)


def _read_file(csv_path: Path, name: str, *, labelled: bool) -> pd.DataFrame:
    # pandas' C parser accepts the files' mixed CRLF/LF line ends as they are.
    raw = pd.read_csv(csv_path, sep=";")
    expected = ["datetime", *SKAB_SENSORS, *(SKAB_LABELS if labelled else ())]
    if list(raw.columns) != expected:
        raise ValueError(
            f"SKAB file {name!r} ({csv_path}): expected columns {expected}, got {list(raw.columns)}"
        )
    times = pd.to_datetime(raw["datetime"], format="%Y-%m-%d %H:%M:%S")
    frame = raw[list(SKAB_SENSORS)].astype(np.float64)
    if labelled:
        for label in SKAB_LABELS:
            values = raw[label].to_numpy(dtype=np.float64)
            if not np.isin(values, (0.0, 1.0)).all():
                raise ValueError(f"SKAB file {name!r}: column {label!r} is not 0/1")
            frame[label] = values.astype(np.int64)
    frame.index = pd.DatetimeIndex(times, name="datetime").as_unit("ns")
    # A stable sort keeps the file's order for equal timestamps (there are none in the
    # pinned files, but the index must be sorted whatever the source).
    return frame.sort_index(kind="stable")


def _local_files(folder: Path) -> dict[str, Path]:
    """Verify every file of a user-supplied SKAB folder; return their paths."""
    if not folder.is_dir():
        raise FileNotFoundError(f"path: {folder} is not a folder (expected a copy of SKAB's data/)")
    paths = {}
    for rel, digest in SKAB_SHA256.items():
        file = folder / rel
        if not file.is_file():
            raise FileNotFoundError(
                f"SKAB file {rel!r} is missing from {folder}: the folder must hold all "
                f"{len(SKAB_SHA256)} files of SKAB's data/ folder (valve1/, valve2/, other/, "
                "anomaly-free/)."
            )
        paths[rel] = verify_sha256(
            file, digest, hint=f"Restore a pristine copy of SKAB's data/{rel}."
        )
    return paths


def fetch_skab(
    data_home: str | os.PathLike[str] | None = None,
    *,
    path: str | os.PathLike[str] | None = None,
    download_if_missing: bool = True,
    n_retries: int = 3,
    delay: float = 1.0,
) -> Bunch:
    """Load SKAB, the Skoltech Anomaly Benchmark, downloading it if needed (GPL-3.0).

    The 35 CSV files of the public repository (https://github.com/waico/SKAB) are
    cached in ``data_home/skab/`` and every file is checked against its pinned sha256
    digest, whether downloaded, cached or read from ``path``.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Cache folder (see :func:`get_data_home`). Ignored when ``path`` is given.
    path : str or path-like, default=None
        A local copy of SKAB's ``data/`` folder (with ``valve1/``, ``valve2/``,
        ``other/`` and ``anomaly-free/``) to read instead of the cache; nothing is
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

        files : dict of str to pandas.DataFrame
            The 34 anomalous experiments keyed ``"valve1/0"``..``"valve1/15"``,
            ``"valve2/0"``..``"valve2/3"``, ``"other/1"``..``"other/14"`` in that
            order. Each has a sorted DatetimeIndex named ``"datetime"``, the 8 sensor
            columns (float64, in :data:`SKAB_SENSORS` order), then ``"anomaly"`` and
            ``"changepoint"`` (int64, 0/1).
        anomaly_free : pandas.DataFrame
            The anomaly-free run: the 8 sensor columns on a DatetimeIndex.
        sensors : list of str
            The 8 sensor names (``list(SKAB_SENSORS)``).
        path : pathlib.Path
            The folder that was read.
        DESCR : str
            Source, DOI, licence and evaluation protocol.

    Raises
    ------
    ChecksumError
        A file's digest is not the pinned one (the message names the file).
    FileNotFoundError
        ``path`` lacks one of the 35 files.
    OSError
        A file is neither cached nor downloadable (offline), or is not cached and
        ``download_if_missing=False``.

    Notes
    -----
    SKAB's data are GPL-3.0 licensed; lupi-ts downloads them at run time and never
    redistributes them. Data DOI 10.34740/KAGGLE/DSV/1693952. The benchmark's
    protocol (first 400 rows of each file for training, the rest for testing) is
    summarised in ``DESCR``.

    Examples
    --------
    >>> from lupi_ts.datasets import SKAB_SENSORS, fetch_skab
    >>> len(SKAB_SENSORS), SKAB_SENSORS[0]
    (8, 'Accelerometer1RMS')
    >>> skab = fetch_skab()  # doctest: +SKIP
    >>> df = skab.files["valve1/0"]  # doctest: +SKIP
    >>> list(df.columns[-2:]), df["anomaly"].max()  # doctest: +SKIP
    (['anomaly', 'changepoint'], np.int64(1))
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
        folder = get_data_home(data_home) / "skab"
        paths = fetch_cached_files(
            folder,
            SKAB_SHA256,
            SKAB_BASE_URL,
            dataset="SKAB",
            how_to_provide=_HOW_TO_PROVIDE,
            download_if_missing=download_if_missing,
            n_retries=n_retries,
            delay=delay,
        )
    files = {name: _read_file(paths[f"{name}.csv"], name, labelled=True) for name in SKAB_FILES}
    anomaly_free = _read_file(paths[f"{SKAB_ANOMALY_FREE}.csv"], SKAB_ANOMALY_FREE, labelled=False)
    return Bunch(
        files=files,
        anomaly_free=anomaly_free,
        sensors=list(SKAB_SENSORS),
        path=folder,
        DESCR=DESCR,
    )
