"""Load the Scrapy project settings for CLI commands (so MONGO_URI, weights etc. come from one place)."""

from __future__ import annotations

import os

from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings


def project_settings(overrides: dict[str, object] | None = None) -> Settings:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawlerats.settings")
    settings = get_project_settings()
    for key, value in (overrides or {}).items():
        if value is not None:
            settings.set(key, value, priority="cmdline")
    return settings
