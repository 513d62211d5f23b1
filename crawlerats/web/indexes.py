"""The web views' indexes (list bands, sorts, job-page links) are in the one index list,
`crawlerats/db/indexes.py` (`WEB`, each with the query it serves); add new ones there.

Title and location search are case-insensitive regexes applied to a band of candidates, so no index serves
them (SecantusDB has no `$text`, and an unanchored regex cannot use an index range).
"""

from __future__ import annotations

from crawlerats.db.indexes import WEB

WEB_INDEXES = [index.model for index in WEB]
