"""Sensor anomaly detection with privileged sensors."""
