"""Placeholder: being implemented (replaced wholesale by its owner)."""


load_beijing_pm25 = None
