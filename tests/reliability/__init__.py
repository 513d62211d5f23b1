"""Reliability suite (issue 8): faults, hostile input, crashes and concurrency never lose or corrupt data."""
