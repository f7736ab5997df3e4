"""Maintainers' scripts of the book: references, benchmark, book structure."""
