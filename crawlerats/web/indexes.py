"""The web views' indexes (list bands, sorts, job-page links) are in the one index list,
`crawlerats/db/indexes.py` (`WEB`, each with the query it serves); add new ones there.

Location search is a case-insensitive substring test applied to a band of candidates, so no index serves it
(SecantusDB has no `$text`, and an unanchored regex cannot use an index range); title and company text search
reads the trigram index of the `job_search` collection (crawlerats/db/search_index.py, crawlerats/web/search.py).
"""

from __future__ import annotations

from crawlerats.db.indexes import WEB

WEB_INDEXES = [index.model for index in WEB]
