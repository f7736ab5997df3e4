"""Serve MathJax 3 with the book instead of from a CDN, so equations render offline.

The files come from the pinned ``django-static-mathjax`` wheel (MathJax 3.2.2, no
dependencies; only its static files are used). The HTML pages load
``_static/mathjax/tex-mml-chtml.js``, the MathJax component Sphinx loads by default.
"""

import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config

ENTRY_SCRIPT = "tex-mml-chtml.js"
# The entry script and what it loads on demand: TeX extensions, fonts, menu, a11y.
PARTS = (
    ENTRY_SCRIPT,
    "input/tex/extensions",
    "input/mml",
    "output/chtml/fonts",
    "a11y",
    "ui",
)
TARGET = "mathjax"  # folder under _static


def mathjax_source() -> Path:
    """Return the folder of MathJax's ES5 build inside the installed wheel."""
    import mathjax

    return Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"


def use_local_mathjax(app: Sphinx, config: Config) -> None:
    """Point Sphinx's MathJax script at the copy under _static."""
    config.mathjax_path = f"{TARGET}/{ENTRY_SCRIPT}"


def copy_mathjax(app: Sphinx, exception: Exception | None) -> None:
    """Copy the MathJax files the pages need into the HTML output's _static folder."""
    if exception is not None or app.builder.format != "html":
        return
    source, target = mathjax_source(), Path(app.outdir) / "_static" / TARGET
    for part in PARTS:
        if (source / part).is_dir():
            shutil.copytree(source / part, target / part, dirs_exist_ok=True)
        else:
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / part, target / part)


def setup(app: Sphinx) -> dict:
    """Register the hooks with Sphinx."""
    app.connect("config-inited", use_local_mathjax)
    app.connect("build-finished", copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
