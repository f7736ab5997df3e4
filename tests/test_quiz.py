"""The self-check quizzes (d2l_helpers.quiz): loading, errors, three representations.

Unit tests of the module on the quiz file of softmax_concise and on quiz files written
to a temporary folder; then the quiz files of the package and their use in the
chapters (a set a chapter shows exists; a chapter's self-check follows the course's
conventions). The quizzes in a browser are checked by tests/test_browser.py and
tests/test_accessibility.py, in JupyterLab by tests/test_jupyterlab.py.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from d2l_helpers import quiz
from d2l_helpers.errors import D2LError
from scripts.layout import CHAPTERS

SHOW_QUIZ = re.compile(
    r"""d2l\.show_quiz\(\s*["']([\w-]+)["']\s*(?:,\s*["']([\w-]+)["'])?"""
)
QUESTIONS_PER_QUIZ = (3, 5)
NUMERIC = {
    "question": "How many outputs has `nn.Dense(10)`?",
    "type": "numeric",
    "answers": [
        {
            "type": "range",
            "range": [9.5, 10.5],
            "correct": True,
            "feedback": "Yes: 10.",
        },
        {"type": "default", "feedback": "It has one output per class."},
    ],
}
CHOICE = {
    "question": "Which loss takes logits?",
    "type": "multiple_choice",
    "answers": [
        {"answer": "`SoftmaxCrossEntropyLoss`", "correct": True, "feedback": "Right."},
        {
            "answer": "`L2Loss`",
            "correct": False,
            "feedback": "No: it is for regression.",
        },
    ],
}


def write_quiz(folder: Path, sets: dict, chapter: str = "toy") -> Path:
    """Write a quiz file for a chapter into folder; return its path."""
    path = folder / f"{chapter}.json"
    path.write_text(json.dumps(sets, indent=1))
    return path


# --- Loading -------------------------------------------------------------------------


def test_loads_the_concise_chapters_quiz() -> None:
    shown = quiz.show_quiz("softmax_concise")
    assert shown.questions == quiz.load_questions("softmax_concise", "quiz")
    assert {q["type"] for q in shown.questions} <= set(quiz.QUESTION_TYPES)


def test_loads_a_quiz_file_from_a_folder(tmp_path: Path) -> None:
    write_quiz(tmp_path, {"quiz": [CHOICE], "ex-toy": [NUMERIC]})
    assert quiz.show_quiz("toy", folder=tmp_path).questions == [CHOICE]
    assert quiz.show_quiz("toy", "ex-toy", folder=tmp_path).questions == [NUMERIC]


# --- Errors: each names the file, the set, the question, and what to do ---------------


def test_missing_quiz_file(tmp_path: Path) -> None:
    with pytest.raises(quiz.QuizError, match=r"No quiz file .*nowhere\.json") as error:
        quiz.show_quiz("nowhere", folder=tmp_path)
    assert isinstance(error.value, D2LError)
    assert "reinstall" in str(error.value)


def test_missing_set_lists_the_sets(tmp_path: Path) -> None:
    write_quiz(tmp_path, {"quiz": [CHOICE], "ex-a": [NUMERIC]})
    with pytest.raises(
        quiz.QuizError, match=r"no question set 'ex-b'; it has: ex-a, quiz"
    ):
        quiz.show_quiz("toy", "ex-b", folder=tmp_path)


def test_invalid_json_says_where(tmp_path: Path) -> None:
    (tmp_path / "toy.json").write_text('{"quiz": [\n  {"question": "x",}\n]}')
    with pytest.raises(quiz.QuizError, match=r"not valid JSON: .* line 2, column"):
        quiz.show_quiz("toy", folder=tmp_path)


BROKEN = {
    "unknown type": (
        dict(CHOICE, type="essay"),
        "'type' must be one of multiple_choice, many_choice, numeric, not 'essay'",
    ),
    "no correct choice": (
        dict(CHOICE, answers=[dict(a, correct=False) for a in CHOICE["answers"]]),
        'no answer is marked "correct": true',
    ),
    "two correct for multiple_choice": (
        dict(CHOICE, answers=[dict(a, correct=True) for a in CHOICE["answers"]]),
        'use "many_choice" when several are right',
    ),
    "feedback missing": (
        dict(CHOICE, answers=[{"answer": "a", "correct": True}, CHOICE["answers"][1]]),
        "answer 1: 'feedback' must be a non-empty string",
    ),
    "empty range": (
        dict(NUMERIC, answers=[dict(NUMERIC["answers"][0], range=[10.5, 9.5])]),
        "needs 'range': [low, high] with low < high",
    ),
    "numeric without a right answer": (
        dict(NUMERIC, answers=[NUMERIC["answers"][1]]),
        'no value or range is marked "correct": true',
    ),
    "misspelt key": (
        dict(CHOICE, answrs=CHOICE["answers"]),
        "unknown keys ['answrs']",
    ),
    "a value that is not a number": (
        dict(
            NUMERIC,
            answers=[
                {"type": "value", "value": "10", "correct": True, "feedback": "ten"}
            ],
        ),
        "a 'value' answer needs a number 'value'",
    ),
}


@pytest.mark.parametrize("case", BROKEN)
def test_malformed_question_is_named(tmp_path: Path, case: str) -> None:
    question, message = BROKEN[case]
    write_quiz(tmp_path, {"quiz": [CHOICE, question]})
    with pytest.raises(quiz.QuizError) as error:
        quiz.show_quiz("toy", folder=tmp_path)
    text = str(error.value)
    assert "toy.json is not a valid quiz file" in text
    assert "set 'quiz', question 2" in text and message in text, text


def test_a_file_that_is_not_an_object(tmp_path: Path) -> None:
    write_quiz(tmp_path, [CHOICE])  # a list, not {"quiz": [...]}
    with pytest.raises(quiz.QuizError, match="JSON object mapping set names"):
        quiz.show_quiz("toy", folder=tmp_path)


# --- The three representations -------------------------------------------------------


def test_print_representation_questions_then_marked_answers(tmp_path: Path) -> None:
    write_quiz(tmp_path, {"quiz": [NUMERIC, CHOICE]})
    markdown = quiz.show_quiz("toy", folder=tmp_path)._repr_markdown_()
    questions, answers = markdown.split(quiz.ANSWERS_MARK.format(key="toy:quiz"))
    assert questions.startswith(quiz.QUESTIONS_MARK.format(key="toy:quiz"))
    assert "1. How many outputs has `nn.Dense(10)`?" in questions
    assert "*Answer with a number.*" in questions
    assert "   - (a) `SoftmaxCrossEntropyLoss`" in questions
    assert "   - (b) `L2Loss`" in questions
    assert "Yes: 10." not in questions and "Right." not in questions
    assert "1. **from 9.5 to 10.5.** Yes: 10." in answers
    assert "2. **(a) `SoftmaxCrossEntropyLoss`.** Right." in answers


def test_plain_representation_has_no_answers(tmp_path: Path) -> None:
    write_quiz(tmp_path, {"quiz": [NUMERIC, CHOICE]})
    text = repr(quiz.show_quiz("toy", folder=tmp_path))
    assert text.startswith("Self-check, 2 questions")
    assert "(a) `SoftmaxCrossEntropyLoss`" in text and "(a number)" in text
    assert "Right." not in text and "Yes: 10." not in text
    assert " at 0x" not in text  # no memory address: the same output every run


def test_html_is_deterministic_offline_and_jupyterquiz(tmp_path: Path) -> None:
    write_quiz(tmp_path, {"quiz": [NUMERIC, CHOICE]})
    first = quiz.show_quiz("toy", folder=tmp_path)._repr_html_()
    assert first == quiz.show_quiz("toy", folder=tmp_path)._repr_html_()
    # The same output in another interpreter: no random ids, no addresses.
    code = (
        "from d2l_helpers import quiz; import sys; "
        f"quiz_html = quiz.show_quiz('toy', folder={str(tmp_path)!r})._repr_html_(); "
        "sys.stdout.write(quiz_html)"
    )
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert other == first
    element = quiz.show_quiz("toy", folder=tmp_path).element_id
    assert re.fullmatch(r"[A-Za-z_]\w*", element), "jupyterquiz uses it as a JS name"
    assert first.count(f'id="{element}"') == 1
    # jupyterquiz's own modules, from its installed package, inline: nothing fetched.
    assert "function show_questions" in first and "class NumericQuestion" in first
    assert "<script src=" not in first and "fetch(" not in first
    assert "</script>" not in first[first.index("<script>") + 8 : -len("</script>")]
    # Texts made HTML: inline code, and the fallback for a notebook that runs no script.
    assert "<code>SoftmaxCrossEntropyLoss<\\/code>" in first
    assert "Run this cell to answer them" in first
    assert 'data-quiz="toy:quiz"' in first
    assert 'data-lm-suppress-shortcuts="true"' in first  # JupyterLab keys stay ours


def test_html_escapes_markup_in_texts(tmp_path: Path) -> None:
    question = dict(NUMERIC, question="Is 1 < 2 & 3 > 2? <script>alert(1)</script>")
    write_quiz(tmp_path, {"quiz": [question]})
    html = quiz.show_quiz("toy", folder=tmp_path)._repr_html_()
    assert "alert(1)" in html and "<script>alert" not in html
    assert "1 &lt; 2 &amp; 3 &gt; 2" in html


def test_display_publishes_html_markdown_and_text() -> None:
    from IPython.core.formatters import DisplayFormatter

    data, _ = DisplayFormatter().format(quiz.show_quiz("softmax_concise"))
    assert {"text/html", "text/markdown", "text/plain"} <= set(data)
    assert data["text/plain"].startswith("Self-check")


# --- The quiz files of the package and the chapters that show them --------------


def quiz_calls() -> list[tuple[str, str, str]]:
    """Return (chapter file, chapter, set) for every show_quiz call in the chapters."""
    return [
        (path.name, match.group(1), match.group(2) or quiz.DEFAULT_SET)
        for path in sorted(CHAPTERS.glob("*.md"))
        for match in SHOW_QUIZ.finditer(path.read_text(encoding="utf-8"))
    ]


@pytest.mark.parametrize("chapter", sorted(quiz.quiz_sets()))
def test_quiz_file_is_valid(chapter: str) -> None:
    sets = quiz.read_quiz_file(quiz.quiz_file(chapter))  # raises QuizError if not
    assert (CHAPTERS / f"{chapter}.md").is_file(), f"{chapter}.json names no chapter"
    source = (CHAPTERS / f"{chapter}.md").read_text(encoding="utf-8")
    for name in set(sets) - {quiz.DEFAULT_SET}:
        assert re.search(rf"^:label: {re.escape(name)}$", source, re.MULTILINE), (
            f"{chapter}.json: set {name!r} is not an exercise label of {chapter}.md "
            "(an exercise's self-check is named after the exercise's label)"
        )


def test_every_quiz_a_chapter_shows_exists() -> None:
    missing = []
    for source, chapter, name in quiz_calls():
        try:
            quiz.load_questions(chapter, name)
        except quiz.QuizError as error:
            missing.append(f"{source}: show_quiz({chapter!r}, {name!r}): {error}")
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("chapter", sorted(quiz.quiz_sets()))
def test_chapter_self_check_follows_the_conventions(chapter: str) -> None:
    questions = quiz.load_questions(chapter)
    low, high = QUESTIONS_PER_QUIZ
    assert low <= len(questions) <= high, (
        f"{chapter}'s self-check has {len(questions)} questions, not {low} to {high}"
    )
    kinds = {q["type"] for q in questions}
    assert "numeric" in kinds and kinds & set(quiz.CHOICE_TYPES), (
        f"{chapter}'s self-check mixes no multiple-choice and numeric questions: "
        f"{kinds}"
    )
    for number, question in enumerate(questions, 1):
        if question["type"] == "numeric":
            assert any(
                a.get("type") == "range" and a.get("correct")
                for a in question["answers"]
            ), (
                f"{chapter}, question {number}: a numeric answer needs a correct "
                "range (a tolerance), not an exact value"
            )
    source = (CHAPTERS / f"{chapter}.md").read_text(encoding="utf-8")
    section = re.search(
        r"^\(sec-[\w-]+-self-check\)=\n## Self-check\n(.*?)^## ",
        source,
        re.MULTILINE | re.DOTALL,
    )
    assert section, (
        f"{chapter}.md has no `## Self-check` section labelled sec-...-self-check "
        "and followed by another section"
    )
    shown = [(m.group(1), m.group(2)) for m in SHOW_QUIZ.finditer(section.group(1))]
    assert shown == [(chapter, None)], (
        f"{chapter}.md: the Self-check section must hold one cell "
        f'd2l.show_quiz("{chapter}"), not {shown}'
    )
    assert source.index("## Self-check") < source.index("## Exercises")
