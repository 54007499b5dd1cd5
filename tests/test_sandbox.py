"""Candidate code runs in a separate, limited process."""

from __future__ import annotations

import pytest

from coach.grading.rubric import rubric_for
from coach.grading.sandbox import extract_code, run_tests
from coach.knowledge.models import CodingQuestion


@pytest.fixture(scope="module")
def question(kb) -> CodingQuestion:  # type: ignore[no-untyped-def]
    q = next(b.question for b in kb.questions.values()
             if b.kind == "coding" and getattr(b.question, "language", "python") == "python"
             and "import" not in b.question.reference_solution)
    assert isinstance(q, CodingQuestion)
    return q


def _named(q: CodingQuestion, body: str) -> str:
    return f"def {q.entry_point}(*args, **kwargs):\n" + body


def test_reference_solution_passes_and_wrong_code_fails(question: CodingQuestion) -> None:
    good = run_tests(question, question.reference_solution)
    assert good.parsed and good.passed == good.total == len(question.tests)
    bad = run_tests(question, _named(question, "    return None\n"))
    assert bad.parsed and bad.passed < bad.total
    assert any("expected" in t.message for t in bad.tests if not t.passed)


def test_code_that_does_not_parse_is_reported(question: CodingQuestion) -> None:
    result = run_tests(question, f"def {question.entry_point}(x:\n    return x")
    assert not result.parsed and "line" in result.error


def test_infinite_loop_hits_the_time_limit(question: CodingQuestion) -> None:
    result = run_tests(question, _named(question, "    while True:\n        pass\n"),
                       timeout=2.0)
    assert result.timed_out and result.passed == 0


def test_memory_cap(question: CodingQuestion) -> None:
    body = "    x = bytearray(4 * 1024 * 1024 * 1024)\n    return len(x)\n"
    result = run_tests(question, _named(question, body), memory_mb=256)
    assert result.passed == 0
    assert any("MemoryError" in t.message for t in result.tests) or result.error


def test_no_network(question: CodingQuestion) -> None:
    body = ("    import socket\n"
            "    socket.create_connection(('127.0.0.1', 9), timeout=1)\n"
            "    return 1\n")
    result = run_tests(question, _named(question, body))
    assert result.passed == 0
    assert all(("refused" in t.message or "unreachable" in t.message) for t in result.tests)


def test_cleared_environment_and_no_coach_folders(question: CodingQuestion, coach_home) -> None:  # type: ignore[no-untyped-def]
    """The child sees none of the coach's environment: no COACH_HOME, no API keys."""
    import os

    os.environ["OPENAI_API_KEY"] = "sk-should-not-leak"
    try:
        body = "    import os\n    return sorted(os.environ)\n"
        result = run_tests(question, _named(question, body))
    finally:
        del os.environ["OPENAI_API_KEY"]
    shown = result.tests[0].message
    assert "got [" in shown and "COACH_HOME" not in shown and "OPENAI" not in shown


def test_no_folder_is_left_behind(question: CodingQuestion) -> None:
    from pathlib import Path

    before = set(Path("/tmp").glob("coach-sandbox-*"))
    body = ("    import os\n"
            "    open('left-behind.txt', 'w').write(os.getcwd())\n"
            "    raise ValueError(os.getcwd())\n")
    result = run_tests(question, _named(question, body))
    assert result.passed == 0 and "ValueError" in result.tests[0].message
    assert set(Path("/tmp").glob("coach-sandbox-*")) <= before


def test_code_with_prose_around_it_is_extracted(question: CodingQuestion) -> None:
    answer = ("Here is my approach in one pass.\n\n" + question.reference_solution
              + "\nThis runs in linear time, and that's it.")
    code = extract_code(answer)
    assert "linear time" not in code and code.strip().startswith(("def", "import", "from"))
    fenced = "Sure:\n```python\n" + question.reference_solution + "```\nDone."
    assert run_tests(question, fenced).passed == len(question.tests)


def test_grade_uses_the_test_results(grader, question: CodingQuestion) -> None:  # type: ignore[no-untyped-def]
    rubric = rubric_for(question)
    good = grader.grade(rubric, question.model_answer)
    broken = grader.grade(rubric, _named(question, "    return None\n"))
    unparsable = grader.grade(rubric, "def oops(:\n  pass  # I would loop over the data once")
    assert good.code is not None and good.code.passed == good.code.total
    assert broken.code is not None and broken.code.passed < broken.code.total
    assert good.score > broken.score
    assert "code-does-not-parse" in unparsable.flags and unparsable.score <= 2.5
    assert any("Tests passed" in f.text for f in good.feedback)


def test_code_is_parsed_one_thread_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch checks candidate code on worker threads, and CPython 3.11's AST builder keeps
    shared state: two parses at once failed a CI run with "SystemError: AST constructor
    recursion depth mismatch". Every parse goes through one lock."""
    import ast
    import threading
    import time

    from coach import pysyntax

    inside, most = [0], [0]
    guard = threading.Lock()
    real = ast.parse

    def slow_parse(source: str) -> ast.Module:
        with guard:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        time.sleep(0.002)
        try:
            return real(source)
        finally:
            with guard:
                inside[0] -= 1

    monkeypatch.setattr(pysyntax, "_parse", slow_parse)
    answer = "My answer:\ndef f(x):\n    return x + 1\nThis adds one, as asked."
    found: list[str] = []
    threads = [threading.Thread(target=lambda: found.append(extract_code(answer)))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert found == ["def f(x):\n    return x + 1"] * 4
    assert most[0] == 1
