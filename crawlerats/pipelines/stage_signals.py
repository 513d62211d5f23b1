"""Signals the pipeline stages send each other (instead of looking each other up in ITEM_PIPELINES).

`postings_regrouped(keys)`: sent by the dedup stage at the end of a crawl with the stored postings whose
duplicate group it rewrote after they were scored; the scoring stage, when it runs, rescores them.
"""

from __future__ import annotations

postings_regrouped = object()
