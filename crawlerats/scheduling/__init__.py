"""Scheduling sharded crawls across Scrapyd nodes: the Scrapyd API client and the planner (docs/operations.md)."""
