"""Self-check quizzes: jupyterquiz questions kept with the package, shown in a cell.

Each chapter's questions live in ``d2l_helpers/quizzes/<chapter>.json``: an object
whose keys name question sets (``"quiz"`` for the chapter's self-check, an exercise's
label such as ``"ex-concise-lr"`` for its numeric self-check) and whose values are
lists of questions in jupyterquiz's format:

- ``{"question": ..., "type": "multiple_choice", "answers": [{"answer": ...,
  "correct": true, "feedback": ...}, ...]}`` (``many_choice`` when several are right);
- ``{"question": ..., "type": "numeric", "precision": 4, "answers": [...]}`` where an
  answer is ``{"type": "value", "value": 7850, "correct": true, "feedback": ...}``,
  ``{"type": "range", "range": [lo, hi], "correct": true, "feedback": ...}`` (a
  number ``lo <= x < hi``) or ``{"type": "default", "feedback": ...}`` (anything else).

Every answer carries ``feedback`` that explains. Texts may use Markdown's inline
``code``, ``**bold**`` and ``$math$`` (typeset by MathJax where the page has it).

``show_quiz(chapter, name)`` returns one display object:

- HTML and JavaScript (``_repr_html_``): jupyterquiz's own script and styles, read from
  its installed package (offline), with fixed element ids (the same output at every
  run), colours that keep their contrast in light and dark pages, and keyboard use:
  Tab reaches a choice, Space or Enter picks it, a number is typed and sent with Enter.
  Where scripts do not run (an untrusted notebook, a static viewer) it says to run the
  cell;
- Markdown (``_repr_markdown_``), the print edition: the questions, then their answers
  after a marker that the PDF build uses to move them to the chapter's solutions;
- plain text (``repr``): the questions only.

Malformed quiz files raise ``QuizError`` naming the file, the set, the question and
what to fix.
"""

import hashlib
import html
import json
import math
import re
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from jupyterquiz.dynamic.loader import load_questions_script
from jupyterquiz.dynamic.renderer import build_styles, render_div

from .errors import QuizError

QUIZ_PACKAGE = "d2l_helpers.quizzes"
DEFAULT_SET = "quiz"
CHOICE_TYPES = ("multiple_choice", "many_choice")
QUESTION_TYPES = (*CHOICE_TYPES, "numeric")
QUESTION_KEYS = {"question", "type", "answers", "precision", "code", "answer_cols"}
CHOICE_KEYS = {"answer", "correct", "feedback", "code"}
NUMERIC_KEYS = {"type", "value", "range", "correct", "feedback"}
# The print edition: what the PDF build looks for (_ext/learner_doctree.py).
QUESTIONS_MARK = "<!-- d2l-quiz {key} -->"
ANSWERS_MARK = "<!-- d2l-quiz-answers {key} -->"
# jupyterquiz's colour variables: text on the question bars and answer buttons keeps a
# contrast of at least 4.5:1 (WCAG AA) whatever the page around it.
COLORS = {
    "--jq-multiple-choice-bg": "#392061",
    "--jq-many-choice-bg": "#8a3a00",
    "--jq-numeric-bg": "#392061",
    "--jq-mc-button-bg": "#ffffff",
    "--jq-mc-button-border": "#6b5a86",
    "--jq-mc-button-inset-shadow": "#555555",
    "--jq-numeric-input-bg": "#ffffff",
    "--jq-numeric-input-label": "#1f1f1f",
    "--jq-numeric-input-shadow": "#999999",
    "--jq-string-bg": "#4c1a57",
    "--jq-incorrect-color": "#b00020",
    "--jq-correct-color": "#1a7031",
    "--jq-text-color": "#ffffff",
    "--jq-link-color": "#0b57d0",
}
# Our additions to jupyterquiz's styles, scoped to the quiz: a light card in light and
# dark pages alike (JupyterLab and the book), sizes of the surrounding text, visible
# keyboard focus, feedback as a tinted line, the radio buttons hidden but focusable.
# Inline code keeps its colours against the host's code styles (!important: the book
# and JupyterLab give `code` a light background of their own).
EXTRA_CSS = """
.d2l-quiz { background: #f6f4f9; color: #1f1f1f; border: 1px solid #8e80a6;
  border-radius: 10px; padding: 0.25rem 0.75rem 0.75rem; margin: 0.75rem 0;
  max-width: 720px; }
.d2l-quiz .Quiz { font-size: 1rem; line-height: 1.45; max-width: none !important;
  margin-top: 0.75rem; }
.d2l-quiz .MultipleChoiceQn, .d2l-quiz .ManyChoiceQn, .d2l-quiz .NumericQn {
  color: #ffffff; font-size: 1.05rem; }
.d2l-quiz .MultipleChoiceQn code, .d2l-quiz .ManyChoiceQn code,
.d2l-quiz .NumericQn code { background: transparent !important;
  color: #ffffff !important; border: 1px solid #b9add0; padding: 0 0.2em; }
.d2l-quiz .MCButton { color: #1f1f1f; font-size: 1rem; }
.d2l-quiz .MCButton code, .d2l-quiz .Feedback code {
  background: #ece8f2 !important; color: #1f1f1f !important; }
.d2l-quiz .MCButton.correctButton, .d2l-quiz .MCButton.incorrectButton {
  color: #ffffff; }
.d2l-quiz .MCButton.correctButton code, .d2l-quiz .MCButton.incorrectButton code {
  color: #ffffff !important; background: transparent !important; }
.d2l-quiz .MCButton:focus-within, .d2l-quiz .Input-text:focus {
  outline: 3px solid #0b57d0; outline-offset: 2px; }
.d2l-quiz .InpLabel { color: #1f1f1f; font-size: 1rem; float: none; display: block;
  line-height: 1.6; margin: 0; }
.d2l-quiz .Input-text { color: #1f1f1f; border: 2px solid #6b5a86; margin: 0.25rem 0;
  font-size: 1rem; line-height: 1.5; }
.d2l-quiz .Input-text.correctButton, .d2l-quiz .Input-text.incorrectButton {
  color: #ffffff; }
.d2l-quiz .Feedback { font-size: 1rem; text-align: left; margin: 0.5rem 0 0;
  border-radius: 6px; }
.d2l-quiz .Feedback.correct { color: #0d4a1e; background: #dcf0e1;
  padding: 0.3rem 0.6rem; }
.d2l-quiz .Feedback.incorrect { color: #7a0d16; background: #fbe4e6;
  padding: 0.3rem 0.6rem; }
.d2l-quiz .sr-only { position: absolute; width: 1px; height: 1px; padding: 0;
  margin: -1px; overflow: hidden; clip: rect(0, 0, 0, 0); white-space: nowrap;
  border: 0; }
.d2l-quiz .d2l-quiz-fallback { margin: 0.5rem 0 0; }
"""
# Runs the quiz once the page can typeset its math, then makes it keyboard-friendly
# and announces feedback: jupyterquiz's own script is left as it is.
START_JS = """
function d2lQuizEnhance(container) {
  container.querySelectorAll(".Quiz").forEach(wrapper => {
    const question = wrapper.querySelector('[id^="quizQn"]');
    wrapper.setAttribute("role", "group");
    if (question) wrapper.setAttribute("aria-labelledby", question.id);
    const feedback = wrapper.querySelector(".Feedback");
    if (feedback) {
      feedback.setAttribute("role", "status");
      feedback.setAttribute("aria-live", "polite");
    }
    wrapper.querySelectorAll('input[type="radio"]').forEach(radio => {
      radio.addEventListener("keydown", event => {
        if (event.key === "Enter") {
          event.preventDefault();
          radio.checked = true;
          radio.click();
        }
      });
    });
    const input = wrapper.querySelector("input.Input-text");
    const label = wrapper.querySelector(".InpLabel");
    if (input) {
      input.setAttribute("inputmode", "decimal");
      input.setAttribute("autocomplete", "off");
      const names = [];
      if (question) names.push(question.id);
      if (label) {
        label.id = input.id + "-label";
        label.setAttribute("for", input.id);
        label.textContent = "Your answer (a number; press Enter to check):";
        names.push(label.id);
      }
      input.setAttribute("aria-labelledby", names.join(" "));
    }
  });
}
{
  const container = document.getElementById("${div_id}");
  const start = () => {
    if (!container || container.dataset.d2lStarted) return;
    container.dataset.d2lStarted = "1";
    const card = container.closest(".d2l-quiz") || container;
    card.querySelectorAll(".d2l-quiz-fallback").forEach(el => el.remove());
    show_questions(questions${div_id}, container);
    d2lQuizEnhance(container);
  };
  const typesetReady = () => {
    const mathjax = window.MathJax;
    return mathjax && mathjax.startup && mathjax.startup.promise
      ? mathjax.startup.promise.catch(() => null) : Promise.resolve();
  };
  const go = () => typesetReady().then(start);
  if (window.MathJax && !window.MathJax.version && document.readyState !== "complete") {
    window.addEventListener("load", go, {once: true});
  } else {
    go();
  }
}
"""
FALLBACK = (
    "Self-check: {count} question{plural}. Run this cell to answer {them} here "
    "(the quiz needs the notebook's JavaScript; an untrusted notebook shows only "
    "this line)."
)
CODE = re.compile(r"`([^`]+)`")
BOLD = re.compile(r"\*\*(.+?)\*\*")


def quiz_file(chapter: str, folder: Path | str | None = None) -> Path:
    """Return the path of a chapter's quiz file (in folder, else in the package)."""
    base = Path(folder) if folder is not None else resources.files(QUIZ_PACKAGE)
    return Path(str(base)) / f"{chapter}.json"


def _is_number(value: Any) -> bool:
    """Tell whether value is a finite JSON number (not a boolean)."""
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def _text_problem(value: Any, what: str) -> list[str]:
    """Return a problem when value is not a non-empty string."""
    if not isinstance(value, str) or not value.strip():
        return [f"{what} must be a non-empty string, not {value!r}"]
    return []


def _unknown_keys(answer: dict, known: set[str], here: str) -> list[str]:
    """Return a problem naming an answer's keys that its question type does not know."""
    if unknown := sorted(set(answer) - known):
        return [f"{here} has unknown keys {unknown} (known: {sorted(known)})"]
    return []


def _choice_problems(question: dict, where: str) -> list[str]:
    """Return the problems of a multiple- or many-choice question's answers."""
    answers = question["answers"]
    problems = []
    if len(answers) < 2:
        problems.append(f"{where}: a choice question needs at least 2 answers")
    for number, answer in enumerate(answers, 1):
        here = f"{where}, answer {number}"
        if not isinstance(answer, dict):
            problems.append(f"{here} must be an object, not {answer!r}")
            continue
        problems += _unknown_keys(answer, CHOICE_KEYS, here)
        problems += _text_problem(answer.get("answer"), f"{here}: 'answer'")
        problems += _text_problem(answer.get("feedback"), f"{here}: 'feedback'")
        if not isinstance(answer.get("correct"), bool):
            problems.append(f"{here}: 'correct' must be true or false")
    right = sum(isinstance(a, dict) and a.get("correct") is True for a in answers)
    if not right:
        problems.append(f'{where}: no answer is marked "correct": true')
    elif question["type"] == "multiple_choice" and right > 1:
        problems.append(
            f"{where}: {right} answers are correct; a multiple_choice question has "
            'one (use "many_choice" when several are right)'
        )
    return problems


def _numeric_problems(question: dict, where: str) -> list[str]:
    """Return the problems of a numeric question's answers."""
    problems = []
    precision = question.get("precision")
    if precision is not None and (
        not isinstance(precision, int) or isinstance(precision, bool) or precision < 1
    ):
        problems.append(f"{where}: 'precision' must be a positive integer (digits)")
    right = 0
    for number, answer in enumerate(question["answers"], 1):
        here = f"{where}, answer {number}"
        if not isinstance(answer, dict):
            problems.append(f"{here} must be an object, not {answer!r}")
            continue
        problems += _unknown_keys(answer, NUMERIC_KEYS, here)
        problems += _text_problem(answer.get("feedback"), f"{here}: 'feedback'")
        kind = answer.get("type")
        if kind == "value":
            if not _is_number(answer.get("value")):
                problems.append(f"{here}: a 'value' answer needs a number 'value'")
        elif kind == "range":
            bounds = answer.get("range")
            if not (
                isinstance(bounds, list)
                and len(bounds) == 2
                and all(map(_is_number, bounds))
                and bounds[0] < bounds[1]
            ):
                problems.append(
                    f"{here}: a 'range' answer needs 'range': [low, high] with "
                    f"low < high (the answer x is right when low <= x < high), not "
                    f"{bounds!r}"
                )
        elif kind == "default":
            if "correct" in answer or "value" in answer or "range" in answer:
                problems.append(f"{here}: a 'default' answer has only 'feedback'")
            continue
        else:
            problems.append(
                f'{here}: \'type\' must be "value", "range" or "default", not {kind!r}'
            )
            continue
        if not isinstance(answer.get("correct"), bool):
            problems.append(f"{here}: 'correct' must be true or false")
        right += answer.get("correct") is True
    if not right:
        problems.append(f'{where}: no value or range is marked "correct": true')
    return problems


def question_problems(question: Any, where: str) -> list[str]:
    """Return what is wrong with one question (empty when it is well formed)."""
    if not isinstance(question, dict):
        return [f"{where} must be an object, not {question!r}"]
    problems = []
    if unknown := sorted(set(question) - QUESTION_KEYS):
        problems.append(
            f"{where} has unknown keys {unknown} (known: {sorted(QUESTION_KEYS)})"
        )
    problems += _text_problem(question.get("question"), f"{where}: 'question'")
    kind = question.get("type")
    if kind not in QUESTION_TYPES:
        return problems + [
            f"{where}: 'type' must be one of {', '.join(QUESTION_TYPES)}, not {kind!r}"
        ]
    answers = question.get("answers")
    if not isinstance(answers, list) or not answers:
        return problems + [f"{where}: 'answers' must be a non-empty list"]
    if kind in CHOICE_TYPES:
        return problems + _choice_problems(question, where)
    return problems + _numeric_problems(question, where)


def set_problems(sets: Any, name: str = "") -> list[str]:
    """Return what is wrong with the question sets of a quiz file (all, or one)."""
    if not isinstance(sets, dict) or not sets:
        return ["the file must hold a JSON object mapping set names to question lists"]
    problems = []
    for set_name, questions in sets.items():
        if name and set_name != name:
            continue
        if not isinstance(questions, list) or not questions:
            problems.append(f"set {set_name!r} must be a non-empty list of questions")
            continue
        for number, question in enumerate(questions, 1):
            problems += question_problems(
                question, f"set {set_name!r}, question {number}"
            )
    return problems


def read_quiz_file(path: Path | str) -> dict[str, list[dict[str, Any]]]:
    """Return the question sets of a quiz file; raise QuizError when malformed."""
    path = Path(path)
    if not path.is_file():
        raise QuizError(
            f"No quiz file {path}. Quiz files are part of d2l_helpers "
            f"(d2l_helpers/quizzes/<chapter>.json): check the chapter's name, or "
            "reinstall the package or update the course bundle."
        )
    try:
        sets = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise QuizError(
            f"{path} is not valid JSON: {error.msg} at line {error.lineno}, column "
            f"{error.colno}. Fix the file (a JSON linter shows where)."
        ) from error
    if problems := set_problems(sets):
        raise QuizError(
            f"{path} is not a valid quiz file:\n  - " + "\n  - ".join(problems)
        )
    return sets


def load_questions(
    chapter: str, name: str = DEFAULT_SET, folder: Path | str | None = None
) -> list[dict[str, Any]]:
    """Return the questions of one set of a chapter's quiz file."""
    path = quiz_file(chapter, folder)
    sets = read_quiz_file(path)
    if name not in sets:
        raise QuizError(
            f"{path.name} has no question set {name!r}; it has: "
            f"{', '.join(sorted(sets))}. Pass one of those, or add the set."
        )
    return sets[name]


def _jupyterquiz_modules() -> str:
    """Return jupyterquiz's JavaScript modules, as its own renderer joins them."""
    folder = resources.files("jupyterquiz").joinpath("js")
    modules = sorted(
        (item for item in folder.iterdir() if item.name.endswith(".js")),
        key=lambda item: item.name,
    )
    return "".join(item.read_bytes().decode("utf-8") for item in modules)


def inline_html(text: str) -> str:
    """Return Markdown-ish text as HTML: escaped, with `code` and **bold**."""
    escaped = html.escape(text, quote=False)
    escaped = CODE.sub(lambda m: f"<code>{m.group(1)}</code>", escaped)
    return BOLD.sub(lambda m: f"<strong>{m.group(1)}</strong>", escaped)


def _for_html(question: dict[str, Any]) -> dict[str, Any]:
    """Return a question with its texts made HTML (jupyterquiz inserts them as such)."""
    shown = dict(question, question=inline_html(question["question"]))
    shown["answers"] = [
        {
            key: inline_html(value) if key in ("answer", "feedback") else value
            for key, value in answer.items()
        }
        for answer in question["answers"]
    ]
    return shown


def _number(value: float) -> str:
    """Return a number as a reader writes it (no trailing .0)."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _letter(index: int) -> str:
    """Return the label of a choice: (a), (b), ..."""
    return f"({chr(ord('a') + index)})"


def _right_answers(question: dict[str, Any]) -> list[str]:
    """Return the right answers of a question as short texts."""
    if question["type"] in CHOICE_TYPES:
        return [
            f"{_letter(i)} {a['answer']}"
            for i, a in enumerate(question["answers"])
            if a["correct"]
        ]
    right = []
    for answer in question["answers"]:
        if answer.get("correct") is not True:
            continue
        if answer["type"] == "value":
            right.append(_number(answer["value"]))
        else:
            low, high = answer["range"]
            right.append(f"from {_number(low)} to {_number(high)}")
    return right


def _right_feedback(question: dict[str, Any]) -> str:
    """Return the feedback of a question's first right answer."""
    return next(a["feedback"] for a in question["answers"] if a.get("correct") is True)


class Quiz:
    """A set of questions that displays as an interactive quiz, or as text in print."""

    def __init__(self, questions: list[dict[str, Any]], key: str) -> None:
        if problems := [
            p
            for n, q in enumerate(questions, 1)
            for p in question_problems(q, f"question {n}")
        ]:
            raise QuizError(f"Quiz {key}: " + "; ".join(problems))
        self.questions = questions
        self.key = key
        # A fixed element id (jupyterquiz also uses it as a JavaScript name): the same
        # quiz renders the same output at every run.
        slug = re.sub(r"\W", "_", key)
        digest = hashlib.sha256(key.encode()).hexdigest()[:6]
        self.element_id = f"d2lquiz_{slug}_{digest}"

    def _fallback(self) -> str:
        """Return the line shown where the quiz's script does not run."""
        count = len(self.questions)
        plural = "s" if count > 1 else ""
        return FALLBACK.format(
            count=count, plural=plural, them="them" if count > 1 else "it"
        )

    def _repr_html_(self) -> str:
        """Return the quiz as HTML: jupyterquiz's container, styles and script."""
        div_id = self.element_id
        shown = [_for_html(question) for question in self.questions]
        prefix, _, _ = load_questions_script(shown, div_id)
        prefix = prefix.replace("</", "<\\/")  # no "</script>" inside the script
        div = render_div(div_id, False, False, False, 1_000_000, 700, 10, "left")
        styles = build_styles(div_id, COLORS).replace(
            "</style>", EXTRA_CSS + "</style>"
        )
        # jupyterquiz's loader and modules, then our start in place of its suffix
        # (which would start the quiz before the page's MathJax is ready). The
        # loader opens a block that the script closes.
        script = prefix + _jupyterquiz_modules() + START_JS.replace("${div_id}", div_id)
        script += "\n}\n"
        return (
            f'<div class="d2l-quiz" data-quiz="{html.escape(self.key)}" '
            'data-lm-suppress-shortcuts="true">'
            f'<p class="d2l-quiz-fallback">{html.escape(self._fallback())}</p>'
            f"{div}</div></div>{styles}<script>{script}</script>"
        )

    def questions_markdown(self) -> str:
        """Return the questions as a numbered Markdown list (choices lettered)."""
        lines = []
        for number, question in enumerate(self.questions, 1):
            lines += [f"{number}. {question['question']}", ""]
            if question["type"] in CHOICE_TYPES:
                lines += [
                    f"   - {_letter(i)} {answer['answer']}"
                    for i, answer in enumerate(question["answers"])
                ]
            else:
                lines.append("   *Answer with a number.*")
            lines.append("")
        return "\n".join(lines)

    def answers_markdown(self) -> str:
        """Return the right answers, each with the feedback that explains it."""
        lines = []
        for number, question in enumerate(self.questions, 1):
            right = "; ".join(_right_answers(question))
            lines.append(f"{number}. **{right}.** {_right_feedback(question)}")
        return "\n".join(lines) + "\n"

    def _repr_markdown_(self) -> str:
        """Return the print edition: the questions, then the answers after a marker."""
        return (
            f"{QUESTIONS_MARK.format(key=self.key)}\n\n"
            f"{self.questions_markdown()}\n"
            f"{ANSWERS_MARK.format(key=self.key)}\n\n"
            f"**Answers.**\n\n{self.answers_markdown()}"
        )

    def __repr__(self) -> str:
        """Return the questions as plain text (no answers)."""
        count = len(self.questions)
        lines = [
            f"Self-check, {count} question{'s' if count > 1 else ''} (run the cell "
            "in Jupyter, or read the book, to answer and see the feedback):"
        ]
        for number, question in enumerate(self.questions, 1):
            lines.append(f"{number}. {question['question']}")
            if question["type"] in CHOICE_TYPES:
                lines += [
                    f"   {_letter(i)} {answer['answer']}"
                    for i, answer in enumerate(question["answers"])
                ]
            else:
                lines.append("   (a number)")
        return "\n".join(lines)


def show_quiz(
    chapter: str, name: str = DEFAULT_SET, *, folder: Path | str | None = None
) -> Quiz:
    """Return a chapter's quiz (or an exercise's self-check) for display in a cell.

    ``folder`` reads ``<folder>/<chapter>.json`` instead of the package's quiz file.
    """
    return Quiz(load_questions(chapter, name, folder), f"{chapter}:{name}")


def quiz_sets(names: Iterable[str] | None = None) -> dict[str, dict[str, list]]:
    """Return every quiz file of the package (or the named chapters'): its sets."""
    folder = Path(str(resources.files(QUIZ_PACKAGE)))
    paths = sorted(folder.glob("*.json"))
    if names is not None:
        wanted = set(names)
        paths = [path for path in paths if path.stem in wanted]
    return {path.stem: read_quiz_file(path) for path in paths}
