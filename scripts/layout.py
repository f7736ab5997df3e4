"""Where things are: the repository's folders and the build's, each named once here.

Scripts and tests import these names; none spells a build path itself. A book built
elsewhere (a toy book of a test, in a temporary folder) has the same layout under its
own folder: ``build_folder(book)``, ``html_folder(book)``, ``latex_folder(book)``.
``d2l_helpers`` (the learner's package, shipped in the bundle) does not import this.
"""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]  # the repository, which is also the book

# --- The repository -----------------------------------------------------------------
CONFIG = ROOT / "_config.yml"
CHAPTERS = ROOT / "chapters"
COURSE = ROOT / "course"  # what learners get besides the notebooks (pins, README)
PACKAGE = ROOT / "d2l_helpers"
BINDER = ROOT / "binder"  # the Binder environment (repository and published site)
TESTS = ROOT / "tests"
REFERENCES = TESTS / "references"  # nbval baselines (make references)


# --- What `jupyter-book build <book> --path-output <book>` writes --------------------
def build_folder(book: Path = ROOT) -> Path:
    """Return the build folder of a book (Jupyter Book's ``_build``)."""
    return book / "_build"


def html_folder(book: Path = ROOT) -> Path:
    """Return the HTML output of a book."""
    return build_folder(book) / "html"


def latex_folder(book: Path = ROOT) -> Path:
    """Return the LaTeX output of a book (``--builder latex`` or ``pdflatex``)."""
    return build_folder(book) / "latex"


BUILD = build_folder()
HTML = html_folder()
LATEX = latex_folder()
# The execution cache, as _config.yml names it for Jupyter Book (execute.cache).
JUPYTER_CACHE = ROOT / yaml.safe_load(CONFIG.read_text())["execute"]["cache"]
# MyST-NB's copy of every executed page (the glue files beside them).
EXECUTED = BUILD / "jupyter_execute" / CHAPTERS.name
# sphinx-tojupyter's build (scripts/learner_notebooks.py): a folder of its own.
TOJUPYTER = BUILD / "learner"
NOTEBOOKS = BUILD / "notebooks"  # the learner notebooks
PRACTICE = BUILD / "practice"  # their practice copies: code outputs cleared
ARTIFACTS = BUILD / "artifacts"  # what the tests keep for a human look
SCREENSHOTS = BUILD / "screenshots"

# --- The published site, inside the HTML output --------------------------------------
DOWNLOADS = HTML / "_downloads"  # the bundle's zip and the PDF
PUBLISHED_NOTEBOOKS = HTML / "notebooks"  # what Colab, Binder and downloads open
PUBLISHED_BINDER = HTML / "binder"  # the published site's Binder environment
