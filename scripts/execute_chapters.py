"""Fill the book's execution cache, running the chapters in parallel (``make book``).

Jupyter Book executes the notebooks of a build one after another, and its parallel read
(``-j``) is refused by one of its extensions. So the build is preceded by this step:
every chapter of ``_toc.yml`` is registered in MyST-NB's execution cache (jupyter-cache,
with MyST-NB's own reader, so the records match what the build looks up) and the stale
ones are executed by jupyter-cache's ``local-parallel`` executor, one process per core.
The build then finds every chapter in the cache. A chapter that fails is reported with
its traceback and the step fails.
"""

import sys
import time

import yaml
from jupyter_cache import get_cache
from jupyter_cache.cache.db import NbProjectRecord
from jupyter_cache.executors import load_executor

from scripts.layout import CONFIG, ROOT
from scripts.toc import executable_chapters

MYST_NB_READER = {"type": "plugin", "name": "myst_nb_md"}


def book_config() -> dict:
    """Return the book's _config.yml."""
    return yaml.safe_load(CONFIG.read_text())


def main() -> int:
    """Execute the chapters missing from the cache, in parallel; return exit status."""
    settings = book_config()["execute"]
    cache = get_cache(str(ROOT / settings["cache"]))
    for chapter in executable_chapters():
        cache.add_nb_to_project(str(chapter), read_data=MYST_NB_READER)
    start = time.perf_counter()
    result = load_executor("local-parallel", cache).run_and_cache(
        timeout=settings["timeout"], allow_errors=settings["allow_errors"]
    )
    ran = len(result.succeeded) + len(result.excepted) + len(result.errored)
    print(
        f"execution cache: {ran} chapter(s) executed in parallel in "
        f"{time.perf_counter() - start:.1f} s, the others were up to date"
    )
    failed = result.excepted + result.errored
    for uri in failed:
        record = NbProjectRecord.record_from_uri(uri, cache.db)
        print(f"error: {uri} failed to execute:\n{record.traceback}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
