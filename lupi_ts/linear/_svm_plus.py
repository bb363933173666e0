"""Placeholder: being implemented (replaced wholesale by its owner)."""


class SVMPlusClassifier:
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("SVMPlusClassifier is not implemented yet")
