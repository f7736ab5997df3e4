"""What the chapter checks read from a chapter's quiz file: its sets, right answers."""

from d2l_helpers import quiz


def quiz_sets(chapter: str) -> dict[str, list[dict]]:
    """Return a chapter's question sets, from the quiz file the package ships."""
    return quiz.read_quiz_file(quiz.quiz_file(chapter))


def in_correct_range(value: float, question: dict) -> bool:
    """Whether value lies in the correct answer's half-open range (as jupyterquiz)."""
    (answer,) = [a for a in question["answers"] if a.get("correct")]
    low, high = answer["range"]
    return low <= value < high


def assert_chapter_quiz_shape(sets: dict[str, list[dict]]) -> None:
    """Assert the chapter quiz has 3 to 5 questions, choice and numeric, and that
    every answer of every set carries feedback."""
    assert 3 <= len(sets["quiz"]) <= 5
    assert {q["type"] for q in sets["quiz"]} == {"multiple_choice", "numeric"}
    for questions in sets.values():
        for question in questions:
            assert all(answer.get("feedback") for answer in question["answers"])
