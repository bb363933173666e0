"""Neural (torch) teacher/student distillation; torch is imported lazily."""
