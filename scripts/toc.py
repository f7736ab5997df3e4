"""The book's structure as ``_toc.yml`` gives it: the one reader of the contents."""

from pathlib import Path, PurePosixPath

import yaml

from scripts.layout import ROOT


def toc_entries(book: Path = ROOT) -> list[str]:
    """Return the document names of a book's _toc.yml (root first), in reading order."""
    toc = yaml.safe_load((book / "_toc.yml").read_text())
    names = [toc["root"]]

    def collect(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                names.append(entry["file"])
            collect(entry.get("sections", []) + entry.get("chapters", []))

    collect(toc.get("parts", []) + toc.get("chapters", []))
    return names


def toc_files(book: Path = ROOT) -> list[Path]:
    """Return the Markdown sources of a book, in table-of-contents order."""
    return [book / f"{name}.md" for name in toc_entries(book)]


def toc_pages(book: Path = ROOT) -> list[str]:
    """Return the HTML paths of every page of a book, in reading order."""
    return [str(PurePosixPath(name).with_suffix(".html")) for name in toc_entries(book)]


def executable_chapters(book: Path = ROOT) -> list[Path]:
    """Return the chapters that are notebooks (have a kernelspec), in book order."""
    return [
        p
        for p in toc_files(book)
        if "kernelspec:" in p.read_text().split("\n---", 1)[0]
    ]
