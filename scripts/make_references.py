"""Regenerate tests/references/ from the chapters (run by ``make references``)."""

import sys
import time

from scripts.references import executable_chapters, make_reference, reference_path


def main(names: list[str]) -> int:
    """Execute the chapters named (default: all) and write their references."""
    for chapter in executable_chapters():
        if names and chapter.stem not in names:
            continue
        start = time.perf_counter()
        make_reference(chapter)
        print(f"{reference_path(chapter)}  ({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
