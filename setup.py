"""Setuptools shim for `scrapyd-deploy`, which builds the Scrapyd egg by running `python setup.py bdist_egg`.

All metadata lives in pyproject.toml: packages, package data (crawlerats/data, web templates and static
files) and the `scrapy` entry point `settings = crawlerats.settings` that tells Scrapyd's runner which
settings module to load. Keeping this file committed means scrapyd-deploy never writes its own
(which would lack the package data). Eggs need setuptools >= 77 (PEP 639 licence) and < 81 (scrapyd 1.6).
"""

from setuptools import setup

setup()
