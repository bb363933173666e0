"""Placeholder: being implemented (replaced wholesale by its owner)."""


class PrivilegedWindows:
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("PrivilegedWindows is not implemented yet")

make_privileged_windows = None
