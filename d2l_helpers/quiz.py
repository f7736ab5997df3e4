"""Self-check quizzes: jupyterquiz questions kept with the package, shown in a cell.

Each chapter's questions live in ``d2l_helpers/quizzes/<chapter>.json``: an object
whose keys name question sets (``"quiz"`` for the chapter's self-check, an exercise's
label such as ``"ex-concise-lr"`` for its numeric self-check) and whose values are
lists of questions in jupyterquiz's format (``multiple_choice`` and ``numeric``, every
answer with ``feedback``). ``show_quiz`` returns one display object: interactive HTML
and JavaScript (jupyterquiz's, shipped in its package, so it works offline, in the
HTML book without a kernel and in JupyterLab) and, for print, the questions as text.
"""

import hashlib
import json
from importlib import resources
from typing import Any

from jupyterquiz.dynamic.loader import load_questions_script
from jupyterquiz.dynamic.renderer import build_script, build_styles, render_div

QUIZ_PACKAGE = "d2l_helpers.quizzes"
DEFAULT_SET = "quiz"


def load_questions(chapter: str, name: str = DEFAULT_SET) -> list[dict[str, Any]]:
    """Return the questions of one set of a chapter's quiz file."""
    path = resources.files(QUIZ_PACKAGE) / f"{chapter}.json"
    if not path.is_file():
        raise FileNotFoundError(
            f"No quiz file for chapter {chapter!r}: expected {path}. Quiz files are "
            "part of d2l_helpers; reinstall it or update the course bundle."
        )
    sets = json.loads(path.read_text(encoding="utf-8"))
    if name not in sets:
        raise KeyError(
            f"{path.name} has no question set {name!r}; it has: {', '.join(sorted(sets))}."
        )
    return sets[name]


class Quiz:
    """A set of questions that displays as an interactive quiz, or as text in print."""

    def __init__(self, questions: list[dict[str, Any]], key: str) -> None:
        self.questions = questions
        # A stable element id: the same quiz renders the same HTML at every run.
        self.div_id = "quiz" + hashlib.sha256(key.encode()).hexdigest()[:12]

    def _repr_html_(self) -> str:
        """Return jupyterquiz's container, styles and script as one HTML block."""
        prefix, static, url = load_questions_script(self.questions, self.div_id)
        div = render_div(self.div_id, False, False, False, 1_000_000, 700, 10, "left")
        styles = build_styles(self.div_id, {})
        script = build_script(prefix, static, url, self.div_id, True)
        return f"{div}</div>{styles}<script>{script}</script>"

    def _repr_markdown_(self) -> str:
        """Return the questions as a numbered list, for print and plain viewers."""
        lines = []
        for number, question in enumerate(self.questions, start=1):
            lines.append(f"{number}. {question['question']}")
            if question["type"] == "numeric":
                lines.append("   *(a number)*")
            else:
                lines += [f"   - {a['answer']}" for a in question["answers"]]
        return "\n".join(lines) + "\n"


def show_quiz(chapter: str, name: str = DEFAULT_SET) -> Quiz:
    """Return a chapter's quiz (or an exercise's self-check) for display in a cell."""
    return Quiz(load_questions(chapter, name), f"{chapter}:{name}")
