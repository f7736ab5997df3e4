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
