"""Placeholder: being implemented (replaced wholesale by its owner)."""


class SoftLabelLogisticRegression:
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("SoftLabelLogisticRegression is not implemented yet")
