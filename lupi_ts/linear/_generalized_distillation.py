"""Placeholder: being implemented (replaced wholesale by its owner)."""


class GeneralizedDistillationClassifier:
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("GeneralizedDistillationClassifier is not implemented yet")

class GeneralizedDistillationRegressor:
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("GeneralizedDistillationRegressor is not implemented yet")
