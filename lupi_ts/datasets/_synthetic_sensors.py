"""Placeholder: being implemented (replaced wholesale by its owner)."""


make_sensor_anomalies = None
