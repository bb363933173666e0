"""Loader for the bundled UCI Beijing PM2.5 data set (CC BY 4.0)."""

from __future__ import annotations

import numbers
import os
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ._base import read_sha256sums, verify_sha256

__all__ = ["load_beijing_pm25"]

FILENAME = "PRSA_data_2010.1.1-2014.12.31.csv"
RAW_COLUMNS = (
    "No", "year", "month", "day", "hour", "pm2.5", "DEWP", "TEMP", "PRES", "cbwd", "Iws", "Is",
    "Ir",
)  # fmt: skip
WIND_DIRECTIONS = ("NE", "NW", "SE", "cv")
FEATURE_NAMES = (
    "pm2.5", "DEWP", "TEMP", "PRES", "Iws", "Is", "Ir",
    "cbwd_NE", "cbwd_NW", "cbwd_SE", "cbwd_cv",
)  # fmt: skip
MISSING_STRATEGIES = ("interpolate", "keep", "drop")
DEFAULT_MAX_GAP = 3

DESCR = """\
Beijing PM2.5 data (UCI Machine Learning Repository, data set 381)
-------------------------------------------------------------------
Hourly PM2.5 concentration (ug/m^3) at the US Embassy in Beijing with weather data
from Beijing Capital International Airport, 2010-01-01 00:00 to 2014-12-31 23:00
(43,824 contiguous hours in the raw file).

Features per hourly step (float64, in this order):
  pm2.5    PM2.5 concentration (ug/m^3), the only column with missing values
  DEWP     dew point (deg C)
  TEMP     temperature (deg C)
  PRES     pressure (hPa)
  Iws      cumulated wind speed (m/s)
  Is       cumulated hours of snow
  Ir       cumulated hours of rain
  cbwd_NE, cbwd_NW, cbwd_SE, cbwd_cv   one-hot combined wind direction (cv = calm/variable)

Missing pm2.5 (2,067 of 43,824 raw rows): the first day (24 rows) is entirely missing
and is always dropped, leaving 43,800 rows from 2010-01-02 00:00 with 2,043 missing
values in 213 gaps. ``missing="interpolate"`` with the default ``max_gap=3`` fills 176
values (gaps of at most 3 hours) and leaves 1,867 NaN in longer gaps.

Licence: Creative Commons Attribution 4.0 International (CC BY 4.0).
Source: https://archive.ics.uci.edu/dataset/381/beijing+pm2+5+data
Citation: Liang, X., Zou, T., Guo, B., Li, S., Zhang, H., Zhang, S., Huang, H. and
Chen, S. X. (2015). Assessing Beijing's PM2.5 pollution: severity, weather impact,
APEC and winter heating. Proceedings of the Royal Society A 471, 20150257.
"""


def _data_folder() -> Path:
    return Path(str(resources.files(__package__).joinpath("data")))


def _bundled_path() -> Path:
    return _data_folder() / FILENAME


def _pinned_sha256() -> str:
    return read_sha256sums(_data_folder() / "SHA256SUMS")[FILENAME]


def _interpolate_short_gaps(values: np.ndarray, max_gap: int) -> tuple[np.ndarray, int]:
    """Linearly interpolate interior NaN runs of length <= ``max_gap``.

    Longer runs stay NaN in full (not partly filled, unlike ``pandas``' ``limit``), and
    runs touching either end stay NaN because they have no neighbour to interpolate
    towards. Assumes equally spaced samples. Returns the filled copy and the count filled.
    """
    values = np.asarray(values, dtype=np.float64)
    isna = np.isnan(values)
    edges = np.diff(np.concatenate(([0], isna.view(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    stops = np.flatnonzero(edges == -1)
    fill = (stops - starts <= max_gap) & (starts > 0) & (stops < values.size)
    mask = np.zeros(values.size, dtype=bool)
    for start, stop in zip(starts[fill], stops[fill]):
        mask[start:stop] = True
    out = values.copy()
    if mask.any():
        positions = np.arange(values.size)
        # Each filled run has a valid neighbour on both sides, so np.interp between all
        # valid points is exactly the straight line between those two neighbours.
        out[mask] = np.interp(positions[mask], positions[~isna], values[~isna])
    return out, int(mask.sum())


def _read_raw(path: Path) -> pd.DataFrame:
    try:
        raw = pd.read_csv(path, na_values=["NA"], keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        # A binary, empty or garbled file: say which file and what was expected, rather
        # than relaying the decoder's byte offsets.
        raise ValueError(
            f"{path} is not the UCI Beijing PM2.5 CSV file (expected a UTF-8 text file with "
            f"the header {','.join(RAW_COLUMNS)}); it could not be read as CSV: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    if tuple(raw.columns) != RAW_COLUMNS:
        raise ValueError(
            f"{path} does not look like the UCI Beijing PM2.5 file: expected columns "
            f"{list(RAW_COLUMNS)}, got {list(raw.columns)}"
        )
    index = pd.to_datetime(raw[["year", "month", "day", "hour"]])
    # Nanosecond unit whatever pandas infers, so the index matches other lupi_ts series.
    index = pd.DatetimeIndex(index, name="datetime").as_unit("ns")
    if index.size == 0 or not (np.diff(index.asi8) == 3_600 * 10**9).all():
        raise ValueError(f"{path}: the rows are not on a contiguous hourly grid")
    unknown = set(raw["cbwd"].unique()) - set(WIND_DIRECTIONS)
    if unknown:
        raise ValueError(f"{path}: unexpected cbwd values {sorted(map(str, unknown))}")
    data = {name: raw[name].to_numpy(dtype=np.float64) for name in FEATURE_NAMES[:7]}
    for direction in WIND_DIRECTIONS:
        data[f"cbwd_{direction}"] = (raw["cbwd"] == direction).to_numpy(dtype=np.float64)
    frame = pd.DataFrame(data, index=index, columns=list(FEATURE_NAMES))
    if frame.iloc[:, 1:].isna().any().any():
        raise ValueError(f"{path}: only the pm2.5 column may have missing values")
    return frame


def load_beijing_pm25(
    *,
    path: str | os.PathLike[str] | None = None,
    missing: str = "interpolate",
    max_gap: int = DEFAULT_MAX_GAP,
    as_frame: bool = True,
    verify_checksum: bool = True,
) -> pd.DataFrame | Bunch:
    """Load the hourly Beijing PM2.5 data set (bundled, UCI, CC BY 4.0).

    The raw UCI file ships with lupi-ts; its sha256 is verified on load (once per
    process per unchanged file), so a corrupted or altered copy raises an error rather
    than returning a different data set.

    Parameters
    ----------
    path : str or path-like, default=None
        A local copy of ``PRSA_data_2010.1.1-2014.12.31.csv`` to read instead of the
        bundled file. Its checksum is verified too.
    missing : {"interpolate", "keep", "drop"}, default="interpolate"
        What to do with missing pm2.5 values after the leading all-missing day (always
        dropped): ``"interpolate"`` fills gaps of at most ``max_gap`` hours linearly in
        time and leaves longer gaps NaN; ``"keep"`` leaves every NaN; ``"drop"`` removes
        the rows, which **breaks the hourly regularity** of the index (windows built on
        the result would silently span the removed hours).
    max_gap : int, default=3
        Longest gap (in hours) that ``missing="interpolate"`` fills. A gap is filled
        entirely or not at all. Interpolation uses the value *after* the gap, i.e. up
        to ``max_gap + 1`` hours of the future; 3 hours keeps that far below the
        15-hour horizon of the PM2.5 forecasting task. With the default, 176 values are
        interpolated and 1,867 stay NaN.
    as_frame : bool, default=True
        Return a DataFrame (True) or a :class:`~sklearn.utils.Bunch` (False).
    verify_checksum : bool, default=True
        Set to False only to read a deliberately modified copy via ``path``; the file's
        structure is still checked.

    Returns
    -------
    frame : pandas.DataFrame
        When ``as_frame=True``: the 11 float64 features ``pm2.5, DEWP, TEMP, PRES, Iws,
        Is, Ir, cbwd_NE, cbwd_NW, cbwd_SE, cbwd_cv`` on an hourly DatetimeIndex named
        ``"datetime"``. ``frame.attrs["missing_report"]`` is a dict with
        ``missing, max_gap, n_rows_raw, n_leading_dropped, n_missing, n_gaps,
        n_interpolated, n_nan_left, n_rows_dropped`` (``n_missing`` and ``n_gaps``
        count pm2.5 NaN values and runs after the leading day is dropped).
    data : sklearn.utils.Bunch
        When ``as_frame=False``: ``data`` (ndarray of shape (n_rows, 11)),
        ``feature_names`` (list), ``times`` (DatetimeIndex), ``DESCR`` (str),
        ``missing_report`` (dict, as above).

    Raises
    ------
    ChecksumError
        The file's sha256 digest is not the pinned one.
    ValueError
        ``missing`` or ``max_gap`` is invalid, or (without checksum) the file's
        structure is not that of the UCI file.

    Notes
    -----
    Source: https://archive.ics.uci.edu/dataset/381/beijing+pm2+5+data (CC BY 4.0).
    Please cite Liang, X. et al. (2015), "Assessing Beijing's PM2.5 pollution:
    severity, weather impact, APEC and winter heating", Proc. R. Soc. A 471, 20150257.

    Examples
    --------
    >>> from lupi_ts.datasets import load_beijing_pm25
    >>> df = load_beijing_pm25()
    >>> df.shape
    (43800, 11)
    >>> df.index[0], df.index.freqstr
    (Timestamp('2010-01-02 00:00:00'), 'h')
    >>> df.attrs["missing_report"]["n_interpolated"], df["pm2.5"].isna().sum()
    (176, np.int64(1867))
    """
    if not isinstance(missing, str) or missing not in MISSING_STRATEGIES:
        raise ValueError(f"missing must be one of {list(MISSING_STRATEGIES)}, got {missing!r}")
    if not isinstance(max_gap, numbers.Integral) or isinstance(max_gap, bool) or max_gap < 0:
        raise ValueError(f"max_gap must be a non-negative integer (hours), got {max_gap!r}")
    if not isinstance(as_frame, (bool, np.bool_)):
        raise TypeError(f"as_frame must be a bool, got {as_frame!r}")
    if not isinstance(verify_checksum, (bool, np.bool_)):
        raise TypeError(f"verify_checksum must be a bool, got {verify_checksum!r}")
    if path is None:
        path = _bundled_path()
    elif not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be None, a str or a path-like object, got {path!r}")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"path: no Beijing PM2.5 file at {path}")
    if verify_checksum:
        verify_sha256(
            path,
            _pinned_sha256(),
            hint=f"Use the bundled file (path=None) or a pristine copy of {FILENAME} from "
            "https://archive.ics.uci.edu/dataset/381/beijing+pm2+5+data.",
        )
    frame = _read_raw(path)

    n_rows_raw = len(frame)
    pm25 = frame["pm2.5"].to_numpy()
    present = np.flatnonzero(~np.isnan(pm25))
    if present.size == 0:
        raise ValueError(f"{path}: the pm2.5 column has no values")
    n_leading = int(present[0])
    frame = frame.iloc[n_leading:].copy()
    pm25 = frame["pm2.5"].to_numpy()
    isna = np.isnan(pm25)
    n_missing = int(isna.sum())
    n_gaps = int((np.diff(np.concatenate(([0], isna.view(np.int8)))) == 1).sum())

    n_interpolated = 0
    n_rows_dropped = 0
    if missing == "interpolate":
        filled, n_interpolated = _interpolate_short_gaps(pm25, int(max_gap))
        frame["pm2.5"] = filled
    elif missing == "drop":
        frame = frame.loc[~isna]
        n_rows_dropped = n_missing
    if missing != "drop":
        frame.index.freq = "h"

    report = {
        "missing": missing,
        "max_gap": int(max_gap),
        "n_rows_raw": n_rows_raw,
        "n_leading_dropped": n_leading,
        "n_missing": n_missing,
        "n_gaps": n_gaps,
        "n_interpolated": n_interpolated,
        "n_nan_left": int(frame["pm2.5"].isna().sum()),
        "n_rows_dropped": n_rows_dropped,
    }
    frame.attrs["missing_report"] = report
    if as_frame:
        return frame
    return Bunch(
        data=frame.to_numpy(dtype=np.float64),
        feature_names=list(FEATURE_NAMES),
        times=frame.index,
        DESCR=DESCR,
        missing_report=dict(report),
    )
