"""Tracking postings across crawls: same posting, changes, closing, reposts and duplicates (docs/dedup.md).

`features` turns a posting into comparable keys (normalised title/location, content hash, MinHash and
its LSH band keys); `match` decides whether two postings are the same role; `engine` applies the rules
to a batch against MongoDB; `closing` closes postings missing from complete board crawls; `events`
writes the `job_events` history idempotently.
"""
