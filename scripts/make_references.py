"""Regenerate tests/references/ from the chapters (run by ``make references``).

The chapters are executed in parallel, one kernel per core, each in the references'
numeric environment (``scripts.references.REFERENCE_ENV``: one OpenMP thread, MKL-DNN
off), which differs from the build's on purpose: ``make test`` compares the two.
"""

import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from scripts.references import REFERENCE_ENV, make_reference
from scripts.toc import executable_chapters


def timed_reference(chapter: Path) -> str:
    """Execute one chapter into its reference; return where it went and how long."""
    start = time.perf_counter()
    path = make_reference(chapter)
    return f"{path}  ({time.perf_counter() - start:.1f} s)"


def main(names: list[str]) -> int:
    """Execute the chapters named (default: all) and write their references."""
    chapters = [c for c in executable_chapters() if not names or c.stem in names]
    settings = " ".join(f"{name}={value}" for name, value in REFERENCE_ENV.items())
    print(f"executing {len(chapters)} chapter(s) with {settings}", flush=True)
    with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
        for line in pool.map(timed_reference, chapters):
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
