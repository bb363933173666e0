"""Data sets: generated series, bundled loaders (``load_*``) and downloaders (``fetch_*``)."""

from ._base import ChecksumError, clear_data_home, get_data_home
from ._beijing_pm25 import load_beijing_pm25
from ._fivecities import FIVECITIES, fetch_fivecities
from ._mackey_glass import mackey_glass
from ._skab import SKAB_SENSORS, fetch_skab
from ._synthetic_sensors import make_sensor_anomalies
from ._tep import fetch_tep

__all__ = [
    "ChecksumError",
    "FIVECITIES",
    "SKAB_SENSORS",
    "clear_data_home",
    "fetch_fivecities",
    "fetch_skab",
    "fetch_tep",
    "get_data_home",
    "load_beijing_pm25",
    "mackey_glass",
    "make_sensor_anomalies",
]
