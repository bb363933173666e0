"""Compression of torch students for on-device inference."""
