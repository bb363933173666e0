"""Placeholder: being implemented (replaced wholesale by its owner)."""


PAPER_TASKS = None

get_task = None

make_task_windows = None
