"""Posting health: an explainable ghost-job score with a per-signal breakdown (see docs/scoring.md)."""

from crawlerats.scoring.config import ScoringConfigError, config_from_settings, effective_config
from crawlerats.scoring.score import score_posting

__all__ = ["ScoringConfigError", "config_from_settings", "effective_config", "score_posting"]
