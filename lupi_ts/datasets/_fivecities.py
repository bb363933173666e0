"""Downloader for the UCI "PM2.5 Data of Five Chinese Cities" (CC BY 4.0).

The five CSV files (about 15 MB together) are not bundled: they are downloaded from
the public repository of Karlsson et al. (AISTATS 2022), which holds them byte for
byte as used in that paper, or read from a local copy, and verified against pinned
sha256 digests either way.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ._base import ChecksumError, check_retry_parameters, fetch_file, get_data_home, verify_sha256

__all__ = ["FIVECITIES", "fetch_fivecities"]

FIVECITIES = ("beijing", "shanghai", "shenyang", "chengdu", "guangzhou")

# The authors' repository at the commit the reference copy was taken from (MIT code;
# the data files themselves are UCI's, CC BY 4.0). Module-level so that tests and
# mirrors can point it elsewhere, e.g. at a file:// URL.
FIVECITIES_BASE_URL = (
    "https://raw.githubusercontent.com/RickardKarl/LearningUsingPrivilegedTimeSeries/"
    "e50be0c87358c49209faef9cfc69a1f74c1577c5/data/fivecities/"
)

# sha256 of every file, in ``sha256sum`` format; identical to datasets/fivecities/SHA256SUMS.
_SHA256SUMS = """\
12bc0dc800e02a2c11b79c29a246c3a55d8b9516145cd870b3c33b48521f2523  beijing.csv
bcba1c9e513a2f0fa89101822a5a565a7640a4a221ec62c089173237f5d72a9e  chengdu.csv
72ab8389d9967ec32a6d2206cac9275552f81d849200714081359cb3442dfc72  guangzhou.csv
49258afcca08ca1a5c76379c31a439cc0179f53371842f14fd6ee6127ebffc14  shanghai.csv
3d5a694492b22e4c2405230c1e5dff8d55726a468396b02990302f8312e42046  shenyang.csv
"""
FIVECITIES_SHA256 = {
    name: digest for digest, name in (line.split(maxsplit=1) for line in _SHA256SUMS.splitlines())
}

# Columns every city has, after the PM2.5 station columns (which differ by city).
_COMMON = ("DEWP", "HUMI", "PRES", "TEMP", "cbwd", "Iws", "precipitation", "Iprec")
WIND_DIRECTIONS = ("NE", "NW", "SE", "SW", "cv")

DESCR = """\
PM2.5 Data of Five Chinese Cities (UCI Machine Learning Repository, data set 394)
------------------------------------------------------------------------------------
Hourly PM2.5 concentration (ug/m^3) at several stations per city and at the US
embassy/consulate post ("PM_US Post"), with weather data, for Beijing, Shanghai,
Shenyang, Chengdu and Guangzhou, 2010-01-01 00:00 to 2015-12-31 23:00 (52,584
contiguous hours per city).

Columns of each frame (on an hourly DatetimeIndex named "time"):
  season          1-4 (float64: one Guangzhou row is entirely missing)
  PM_<station>    PM2.5 of each station of the city, "PM_US Post" among them (float64, NaN)
  DEWP, HUMI, PRES, TEMP   dew point (deg C), humidity (%), pressure (hPa), temperature
  cbwd            combined wind direction: NE, NW, SE, SW, cv (calm/variable) or NaN
                  (categorical; Beijing has no SW)
  Iws             cumulated wind speed (m/s)
  precipitation, Iprec     hourly and cumulated precipitation (mm)

It is the real-data benchmark of Karlsson et al. (AISTATS 2022): target PM_US Post,
inputs season and cbwd (one-hot), DEWP, HUMI, PRES, TEMP, Iws and the target at
baseline time, outcome 5, 11 or 23 hours later, the hours in between privileged.

Licence: Creative Commons Attribution 4.0 International (CC BY 4.0).
Source: https://archive.ics.uci.edu/dataset/394/pm2+5+data+of+five+chinese+cities
(copied byte for byte from github.com/RickardKarl/LearningUsingPrivilegedTimeSeries,
commit e50be0c, data/fivecities/).
Citation: Liang, X., Li, S., Zhang, S., Huang, H. and Chen, S. X. (2016). PM2.5
data reliability, consistency, and air quality assessment in five Chinese cities.
Journal of Geophysical Research: Atmospheres 121, 10220-10236.
"""

_HOW_TO_PROVIDE = (
    "Get the five files (beijing.csv, ... from the UCI data set 394, or data/fivecities/ "
    "of github.com/RickardKarl/LearningUsingPrivilegedTimeSeries) and pass their folder "
    "as fetch_fivecities(path=...), or copy them into {folder}."
)


def _read_city(csv_path: Path, city: str) -> pd.DataFrame:
    raw = pd.read_csv(csv_path)
    head = ["No", "year", "month", "day", "hour", "season"]
    stations = [c for c in raw.columns if c.startswith("PM_")]
    expected = head + stations + list(_COMMON)
    if list(raw.columns) != expected or "PM_US Post" not in stations:
        raise ValueError(
            f"five-cities file {city!r} ({csv_path}): expected columns {expected} with a "
            f"'PM_US Post' station, got {list(raw.columns)}"
        )
    time = pd.to_datetime(raw[["year", "month", "day", "hour"]])
    frame = raw[["season", *stations, *_COMMON]].copy()
    for col in frame.columns:
        if col != "cbwd":
            frame[col] = frame[col].astype(np.float64)
    unknown = set(frame["cbwd"].dropna()) - set(WIND_DIRECTIONS)
    if unknown:
        raise ValueError(f"five-cities file {city!r}: unknown wind directions {sorted(unknown)}")
    frame["cbwd"] = pd.Categorical(frame["cbwd"], categories=list(WIND_DIRECTIONS))
    frame.index = pd.DatetimeIndex(time, name="time").as_unit("ns")
    return frame


def fetch_fivecities(
    data_home: str | os.PathLike[str] | None = None,
    *,
    path: str | os.PathLike[str] | None = None,
    cities: Sequence[str] | None = None,
    download_if_missing: bool = True,
    n_retries: int = 3,
    delay: float = 1.0,
) -> Bunch:
    """Load the PM2.5 data of five Chinese cities, downloading it if needed (CC BY 4.0).

    The files are cached in ``data_home/fivecities/``; each is checked against its
    pinned sha256 digest, whether downloaded, cached or read from ``path``.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Cache folder (see :func:`get_data_home`). Ignored when ``path`` is given.
    path : str or path-like, default=None
        A local folder with the five files (``beijing.csv``, ``shanghai.csv``,
        ``shenyang.csv``, ``chengdu.csv``, ``guangzhou.csv``) to read instead of the
        cache; nothing is downloaded.
    cities : sequence of str, default=None
        Which cities to load (all five by default); only their files are needed.
    download_if_missing : bool, default=True
        Download files missing from the cache; if False, a missing file raises OSError.
    n_retries : int, default=3
        Retries per file after a network error.
    delay : float, default=1.0
        Seconds between retries.

    Returns
    -------
    data : sklearn.utils.Bunch
        frames : dict of str to pandas.DataFrame
            One frame per city, in :data:`FIVECITIES` order, on an hourly
            DatetimeIndex named ``"time"`` (52,584 rows): ``season``, the
            city's ``PM_*`` station columns, ``DEWP``, ``HUMI``, ``PRES``, ``TEMP``,
            ``cbwd`` (categorical over NE, NW, SE, SW, cv), ``Iws``,
            ``precipitation``, ``Iprec`` (float64; missing values are NaN).
        cities : list of str
            The cities read, in the order of the frames.
        target : str
            ``"PM_US Post"``, the target of Karlsson et al. (2022).
        path : pathlib.Path
            The folder that was read.
        DESCR : str
            Source, licence, citation and columns.

    Raises
    ------
    ChecksumError
        A file's digest is not the pinned one (the message names the file).
    FileNotFoundError
        ``path`` lacks a requested file.
    OSError
        A file is neither cached nor downloadable (offline), or is not cached and
        ``download_if_missing=False``.
    ValueError
        An unknown city.

    Examples
    --------
    >>> from lupi_ts.datasets import FIVECITIES, fetch_fivecities
    >>> FIVECITIES
    ('beijing', 'shanghai', 'shenyang', 'chengdu', 'guangzhou')
    >>> data = fetch_fivecities(cities=["beijing"])  # doctest: +SKIP
    >>> data.frames["beijing"]["PM_US Post"].notna().sum()  # doctest: +SKIP
    np.int64(50387)
    """
    if not isinstance(download_if_missing, (bool, np.bool_)):
        raise TypeError(f"download_if_missing must be a bool, got {download_if_missing!r}")
    check_retry_parameters(n_retries, delay)
    if cities is None:
        cities = list(FIVECITIES)
    else:
        if isinstance(cities, str):
            cities = [cities]
        cities = [str(c).lower() for c in cities]
        unknown = [c for c in cities if c not in FIVECITIES]
        if unknown or not cities:
            raise ValueError(f"cities must be a non-empty subset of {FIVECITIES}; got {unknown}")
        cities = [c for c in FIVECITIES if c in cities]
    files = {}
    if path is not None:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be None, a str or a path-like object, got {path!r}")
        folder = Path(path).expanduser().resolve()
        if not folder.is_dir():
            raise FileNotFoundError(f"path: {folder} is not a folder (expected the five CSVs)")
        for city in cities:
            file = folder / f"{city}.csv"
            if not file.is_file():
                raise FileNotFoundError(
                    f"five-cities file {file.name!r} is missing from {folder}. "
                    + _HOW_TO_PROVIDE.format(folder=folder)
                )
            files[city] = verify_sha256(
                file,
                FIVECITIES_SHA256[file.name],
                hint="Restore a pristine copy (the files must be byte for byte UCI's).",
            )
    else:
        folder = get_data_home(data_home) / "fivecities"
        for city in cities:
            name = f"{city}.csv"
            file = folder / name
            if file.is_file():
                try:
                    files[city] = verify_sha256(file, FIVECITIES_SHA256[name])
                except ChecksumError as exc:
                    raise ChecksumError(
                        f"{exc} Delete it (or run lupi_ts.datasets.clear_data_home) to "
                        "download it again."
                    ) from exc
                continue
            if not download_if_missing:
                raise OSError(
                    f"five-cities file {name!r} is not cached in {folder} and "
                    "download_if_missing=False. " + _HOW_TO_PROVIDE.format(folder=folder)
                )
            url = FIVECITIES_BASE_URL + name
            try:
                files[city] = fetch_file(
                    url, file, sha256=FIVECITIES_SHA256[name], n_retries=n_retries, delay=delay
                )
            except ChecksumError:
                raise
            except OSError as exc:
                raise OSError(
                    f"five-cities file {name!r} is not cached in {folder} and could not be "
                    f"downloaded from {url} ({exc}). If you are offline: "
                    + _HOW_TO_PROVIDE.format(folder=folder)
                ) from exc
    return Bunch(
        frames={city: _read_city(files[city], city) for city in cities},
        cities=cities,
        target="PM_US Post",
        path=folder,
        DESCR=DESCR,
    )
