"""SQL and torch coding questions, the unisolated fallback, and runs recorded once."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from coach.grading import sandbox
from coach.grading.rubric import rubric_for
from coach.knowledge.models import CodingQuestion, QuestionBank

KEY_POINTS = [{"id": "a", "text": "Groups the rows by region.", "probe": "How do you group?"},
              {"id": "b", "text": "Sums each group's amounts.", "probe": "What do you add?"}]


def _sql_question(**overrides: Any) -> CodingQuestion:
    rows = [
        ("INSERT INTO sales VALUES ('north', 10), ('south', 5), ('north', 2.5);",
         [["north", 12.5], ["south", 5.0]]),
        ("INSERT INTO sales VALUES ('east', 1);", [["east", 1.0]]),
        ("", []),
        ("INSERT INTO sales VALUES ('a', 1), ('b', 2), ('c', 3);",
         [["c", 3.0], ["b", 2.0], ["a", 1.0]]),
        ("INSERT INTO sales VALUES ('a', 0.1), ('a', 0.2);", [["a", 0.3]]),
    ]
    data: dict[str, Any] = {
        "id": "sql-region-totals", "kind": "coding", "language": "sql",
        "prompt": "Write one query returning each region and its total sales.",
        "difficulty": "easy", "roles": ["data-scientist"],
        "schema": "CREATE TABLE sales (region TEXT NOT NULL, amount REAL NOT NULL);",
        "model_answer": "Group the sales by region and sum the amounts of each group.",
        "reference_solution": "SELECT region, SUM(amount) AS total FROM sales "
                              "GROUP BY region ORDER BY total DESC",
        "tests": [{"name": f"case {i}", "setup": setup, "expected": expected,
                   "tolerance": 1e-9} for i, (setup, expected) in enumerate(rows)],
        "key_points": KEY_POINTS}
    data.update(overrides)
    return QuestionBank.model_validate({"questions": [data]}).questions[0]  # type: ignore[return-value]


# --- SQL ---------------------------------------------------------------------------------------


def test_sql_reference_passes_and_rows_compare_as_a_multiset() -> None:
    q = _sql_question()
    assert q.language == "sql" and q.signature is None and q.schema_sql.startswith("CREATE")
    assert sandbox.run_tests(q, q.reference_solution).passed == 5
    # Same rows in another order: still right when order does not matter.
    other = "```sql\nSELECT region, SUM(amount) FROM sales GROUP BY region ORDER BY region;\n```"
    assert sandbox.run_tests(q, other).passed == 5


def test_sql_ordered_tests_check_the_order() -> None:
    q = _sql_question()
    ordered = q.model_copy(update={"tests": [t.model_copy(update={"ordered": True})
                                             for t in q.tests]})
    wrong_order = "SELECT region, SUM(amount) FROM sales GROUP BY region ORDER BY region"
    result = sandbox.run_tests(ordered, wrong_order)
    assert result.passed == 4  # only case 3 comes out in another order
    assert not result.tests[3].passed and "expected [['c'" in result.tests[3].message
    assert sandbox.run_tests(_sql_question(), wrong_order).passed == 5  # unordered tests


def test_sql_wrong_query_fails_and_bad_syntax_does_not_parse() -> None:
    q = _sql_question()
    wrong = sandbox.run_tests(q, "SELECT region, COUNT(*) FROM sales GROUP BY region")
    assert wrong.parsed and wrong.passed == 2  # the empty table, and one row whose count is 1
    broken = sandbox.run_tests(q, "SELEC region FROM sales")
    assert not broken.parsed and "syntax error" in broken.error
    missing = sandbox.run_tests(q, "SELECT nope FROM sales")
    assert missing.parsed and "no such column" in missing.error and missing.passed == 0


def test_sql_answer_in_prose_is_extracted() -> None:
    q = _sql_question()
    answer = ("I group by region and add up the amounts:\n\n"
              "SELECT region, SUM(amount) AS total\nFROM sales\nGROUP BY region;\n\n"
              "This is linear in the number of rows.")
    assert sandbox.extract_sql(answer).endswith("GROUP BY region;")
    assert sandbox.run_tests(q, answer).passed == 5


def test_sql_cannot_attach_files_or_run_two_statements(coach_home: Path) -> None:
    q = _sql_question()
    attach = "ATTACH DATABASE '/tmp/x.db' AS x"
    assert sandbox.run_tests(q, attach).passed == 0
    two = "DELETE FROM sales; SELECT region, SUM(amount) FROM sales GROUP BY region"
    assert sandbox.run_tests(q, two).passed == 0


def test_sql_question_fields_are_validated() -> None:
    with pytest.raises(ValueError, match="no 'signature'"):
        _sql_question(signature="def f():")
    with pytest.raises(ValueError, match="needs a 'schema'"):
        _sql_question(schema="")
    with pytest.raises(ValueError, match="must be one SELECT"):
        _sql_question(reference_solution="DELETE FROM sales WHERE 1 = 1")
    with pytest.raises(ValueError, match="list of rows"):
        _sql_question(tests=[{"name": f"case {i}", "expected": 3} for i in range(5)])


def test_python_questions_still_need_a_signature() -> None:
    with pytest.raises(ValueError, match="needs a 'signature'"):
        QuestionBank.model_validate({"questions": [{
            "id": "no-sig", "kind": "coding", "prompt": "Write a function that adds.",
            "difficulty": "easy", "roles": ["ml-engineer"],
            "model_answer": "Return the sum of the two arguments, nothing more to it.",
            "reference_solution": "def add(a, b):\n    return a + b\n",
            "tests": [{"name": f"case {i}", "args": [i, 1], "expected": i + 1}
                      for i in range(5)], "key_points": KEY_POINTS}]})


# --- torch ---------------------------------------------------------------------------------------


def test_a_torch_solution_runs_within_the_limits() -> None:
    pytest.importorskip("torch")
    q = QuestionBank.model_validate({"questions": [{
        "id": "torch-softmax", "kind": "coding", "prompt": "Return the softmax of a list.",
        "difficulty": "easy", "roles": ["ml-engineer"], "signature": "def softmax(xs):",
        "model_answer": "Subtract the maximum, exponentiate, and divide by the sum of exps.",
        "reference_solution": ("import torch\n\ndef softmax(xs):\n"
                               "    return torch.softmax(torch.tensor(xs, dtype=torch.float64),"
                               " dim=0)\n"),
        "tests": [{"name": f"case {i}", "args": [[0.0, float(i)]],
                   "expected": [1 / (1 + 2.718281828459045 ** i),
                                1 - 1 / (1 + 2.718281828459045 ** i)], "tolerance": 1e-9}
                  for i in range(5)], "key_points": KEY_POINTS}]}).questions[0]
    assert isinstance(q, CodingQuestion)
    result = sandbox.run_tests(q, q.reference_solution)
    assert result.passed == 5, [t.message for t in result.tests] + [result.error]


# --- no isolation layer ------------------------------------------------------------------------


def test_without_isolation_the_grade_says_so(monkeypatch: pytest.MonkeyPatch,
                                            grader) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COACH_SANDBOX", "none")
    q = _sql_question()
    result = sandbox.run_tests(q, q.reference_solution)
    assert result.passed == 5 and not result.isolated and result.isolation == "none"
    grade = grader.grade(rubric_for(q), q.model_answer + "\n\n```sql\n"
                         + q.reference_solution + "\n```")
    assert "code-not-isolated" in grade.flags
    assert any(f.text.startswith("Not isolated: your code ran as you") for f in grade.feedback)


def test_isolated_grades_carry_no_warning(grader) -> None:  # type: ignore[no-untyped-def]
    if not sandbox.isolation().isolated:
        pytest.skip("no isolation layer on this machine (bubblewrap or user namespaces)")
    q = _sql_question()
    grade = grader.grade(rubric_for(q), f"```sql\n{q.reference_solution}\n```")
    assert grade.code is not None and grade.code.isolated
    assert "code-not-isolated" not in grade.flags


def test_stale_folders_of_killed_runs_are_swept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_SANDBOX", "none")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    stale = Path("/tmp") / f"coach-sandbox-{dead}-leftover"
    stale.mkdir(exist_ok=True)
    q = _sql_question()
    assert sandbox.run_tests(q, q.reference_solution).passed == 5
    assert not stale.exists()
    assert not list(Path("/tmp").glob(f"coach-sandbox-{os.getpid()}-*"))


# --- recorded once ---------------------------------------------------------------------------


def test_a_run_that_kills_the_coach_is_recorded_once_and_never_rerun(
        services, kb, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Without isolation the code can kill the coach; resume then keeps the failed run."""
    from coach.interview.session import Interview, SessionConfig, State

    qid = next(b.id for b in kb.questions.values() if b.kind == "coding"
               and getattr(b.question, "language", "python") == "python")
    entry = kb.questions[qid].question.entry_point
    answer = (f"```python\nimport os, signal\ndef {entry}(*args):\n"
              "    os.kill(os.getppid(), signal.SIGKILL)\n```\n"
              "I kill the process that runs me, which used to take the coach down.")
    iv = Interview.start(services, SessionConfig(question_ids=[qid], questions=1,
                                                 followups=0))
    iv.next()
    script = textwrap.dedent(f"""
        from coach.paths import resolve_paths
        from coach.services import build_services
        from coach.settings import load_settings
        from coach.interview.session import Interview
        paths = resolve_paths()
        services = build_services(load_settings(paths), paths)
        iv = Interview.resume(services, {iv.id!r})
        iv.submit({answer!r})
        print("survived")
    """)
    env = {**os.environ, "COACH_SANDBOX": "none"}
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == -9 and "survived" not in proc.stdout, proc.stderr[-2000:]

    def no_second_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("the code ran again on resume")

    monkeypatch.setattr(sandbox, "run_tests", no_second_run)
    start = time.perf_counter()
    resumed = Interview.resume(services, iv.id)
    assert resumed.state == State.ANSWERED
    step = resumed.next()
    assert step.grade is not None and step.grade.code is not None
    assert "never finished" in step.grade.code.error
    assert step.grade.code.passed == 0 and step.grade.score < 2.5
    assert time.perf_counter() - start < 60
    saved = services.repo.session(iv.id).turns[0]
    assert saved.state == State.GRADED and saved.grade is not None and saved.grade.code
    assert "never finished" in saved.grade.code.error
