"""A crawl's start-up imports no module that only new or changed postings need (issue 13, start-up): numpy (with
the MinHash code) is imported when a signature is first computed or compared, not when the pipelines load."""

from __future__ import annotations

import subprocess
import sys

from crawlerats import settings

STARTUP = ["scrapy.crawler", *(path.rsplit(".", 1)[0] for path in settings.ITEM_PIPELINES),
           *(path.rsplit(".", 1)[0] for path, order in settings.EXTENSIONS.items() if order is not None),
           "crawlerats.spiders.lever", "crawlerats.spiders.greenhouse"]


def _loaded_after(code: str) -> set[str]:
    script = f"import importlib, sys\n{code}\nprint('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_the_pipelines_and_spiders_load_without_numpy() -> None:
    loaded = _loaded_after("\n".join(f"importlib.import_module({name!r})" for name in STARTUP))
    assert "crawlerats.pipelines.dedup" in loaded and "crawlerats.dedup.engine" in loaded
    assert "numpy" not in loaded and "crawlerats.dedup.minhash" not in loaded


def test_computing_features_imports_them_then() -> None:
    loaded = _loaded_after("from crawlerats.dedup.features import features\n"
                           "f = features({'title': 'Data Engineer', 'description_text': 'Build pipelines in Python "
                           "for analysts and data scientists every day.', 'location': 'Berlin'})\n"
                           "assert len(f.signature) > 0")
    assert "numpy" in loaded and "crawlerats.dedup.minhash" in loaded
