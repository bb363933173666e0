"""Placeholder: being implemented (replaced wholesale by its owner)."""


mackey_glass = None
