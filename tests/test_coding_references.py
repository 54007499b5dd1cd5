"""Every coding question's reference solution (Python or SQL) passes its own tests in the
real sandbox, and a wrong answer fails them."""

from __future__ import annotations

import pytest

from coach.grading.sandbox import run_tests
from coach.knowledge.loader import load_knowledge
from coach.knowledge.models import CodingQuestion
from coach.paths import knowledge_dir


def _coding_questions() -> list[CodingQuestion]:
    kb = load_knowledge(knowledge_dir())
    return [bq.question for bq in kb.questions.values()
            if isinstance(bq.question, CodingQuestion)]


CODING = _coding_questions()


def test_there_are_coding_questions() -> None:
    assert len(CODING) >= 15


@pytest.mark.parametrize("question", CODING, ids=[q.id for q in CODING])
def test_reference_solution_passes_its_tests(question: CodingQuestion) -> None:
    result = run_tests(question, question.reference_solution)
    failed = [f"{t.name}: {t.message}" for t in result.tests if not t.passed]
    assert result.parsed and not result.error, result.error
    assert result.total == len(question.tests)
    assert result.passed == result.total, failed


@pytest.mark.parametrize("question", CODING, ids=[q.id for q in CODING])
def test_a_wrong_solution_fails_the_tests(question: CodingQuestion) -> None:
    """The tests can fail: a function that ignores its input and returns None, or a query
    that returns one empty row whatever the data, does not pass them all."""
    if question.language == "sql":
        wrong = "SELECT NULL AS no_answer"  # NOTHING is an SQLite keyword (DO NOTHING)
    else:
        wrong = f"def {question.entry_point}(*args, **kwargs):\n    return None\n"
    result = run_tests(question, wrong)
    assert result.parsed and not result.error
    assert result.passed < result.total
