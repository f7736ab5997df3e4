"""Question sets of the chapters' self-check quizzes (JSON, one file a chapter)."""
