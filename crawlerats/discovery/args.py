"""Start-URL arguments of the discover and jsonld spiders (`urls=URL,...`, `urls_file=PATH`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from crawlerats.arguments import argument_tokens, existing_file


class UrlArgs(BaseModel):
    """Start URLs given on the command line or by Scrapyd (strings)."""

    model_config = ConfigDict(extra="ignore")

    urls: str | None = Field(default=None, description="Comma-separated careers-page URLs.")
    urls_file: str | None = Field(default=None, description="File with one URL per line (# comments).")

    _file_exists = field_validator("urls_file")(existing_file)

    def start_urls(self) -> list[str]:
        result: list[str] = []
        for token in argument_tokens(self.urls, self.urls_file):
            url = token if "://" in token else f"https://{token}"
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"Invalid argument urls: {token!r} is not an http(s) URL")
            if url not in result:
                result.append(url)
        return result
