"""The offline rubric grader."""
