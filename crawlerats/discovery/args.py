"""Start-URL arguments of the discover and jsonld spiders (`urls=URL,...`, `urls_file=PATH`)."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator


class UrlArgs(BaseModel):
    """Start URLs given on the command line or by Scrapyd (strings)."""

    model_config = ConfigDict(extra="ignore")

    urls: str | None = Field(default=None, description="Comma-separated careers-page URLs.")
    urls_file: str | None = Field(default=None, description="File with one URL per line (# comments).")

    @field_validator("urls_file")
    @classmethod
    def _file_exists(cls, value: str | None) -> str | None:
        if value and not Path(value).is_file():
            raise ValueError(f"no such file: {value}")
        return value

    def start_urls(self) -> list[str]:
        tokens: list[str] = re.split(r"[,\s]+", self.urls or "")
        if self.urls_file:
            for line in Path(self.urls_file).read_text().splitlines():
                tokens.append(line.split("#", 1)[0].strip())
        result: list[str] = []
        for token in filter(None, (t.strip() for t in tokens)):
            url = token if "://" in token else f"https://{token}"
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"Invalid argument urls: {token!r} is not an http(s) URL")
            if url not in result:
                result.append(url)
        return result
