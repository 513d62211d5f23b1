"""Item pipeline stages, in order: validate (100) -> dedup (300) -> scoring (500) -> MongoDB writer (800)."""
