"""ATS spiders: one module per ATS, each a thin mapping on top of `base.AtsSpider`."""
