"""Placeholder: being implemented (replaced wholesale by its owner)."""


SKAB_SENSORS = None

fetch_skab = None
