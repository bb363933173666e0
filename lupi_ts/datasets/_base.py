"""Placeholder: being implemented (replaced wholesale by its owner)."""


clear_data_home = None

get_data_home = None
