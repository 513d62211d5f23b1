"""MongoDB access: URI resolution, the embedded default server, indexes, and per-crawl connections."""
