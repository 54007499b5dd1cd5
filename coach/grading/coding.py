"""Coding answers: their tests run in the sandbox (started early for a batch, or reused from
a run saved with the session), and how the run weighs in the score."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future

from coach.grading.models import CodeResult
from coach.grading.policy import ScoringPolicy
from coach.grading.rubric import Rubric


class CodeRuns:
    """The sandbox runs of coding answers, keyed by question and answer text."""

    def __init__(self, *, enabled: bool, timeout: float, max_chars: int) -> None:
        self.enabled = enabled
        self.timeout = timeout
        self.max_chars = max_chars
        self._runs: dict[tuple[str, str], Future[CodeResult]] = {}

    @property
    def pending(self) -> int:
        """Runs started or recorded that no grade has taken yet."""
        return len(self._runs)

    def start(self, pairs: Sequence[tuple[Rubric, str]]) -> None:
        """Start the coding answers of a batch in the sandbox (subprocesses, on the cores the
        embedding model leaves free); their grades take the results."""
        if not self.enabled:
            return
        from concurrent.futures import ThreadPoolExecutor

        from coach.grading.sandbox import run_tests

        coding = [(r.question_id, r.coding, a[:self.max_chars]) for r, a in pairs
                  if r.coding is not None]
        if coding:
            pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="coach-sandbox")
            for qid, question, text in coding:
                self._runs[(qid, text)] = pool.submit(
                    run_tests, question, text, timeout=self.timeout)
            pool.shutdown(wait=False)

    def reuse(self, question_id: str, answer: str, result: CodeResult) -> None:
        """A run recorded earlier for this answer: its next grade takes `result`."""
        done: Future[CodeResult] = Future()
        done.set_result(result)
        self._runs[(question_id, answer[:self.max_chars])] = done

    def result(self, rubric: Rubric, text: str) -> CodeResult | None:
        """The run of this answer's tests (started earlier, or now); None when code is not
        run (disabled, or not a coding question)."""
        if not self.enabled or rubric.coding is None:
            return None
        pending = self._runs.pop((rubric.question_id, text), None)
        if pending is not None:
            return pending.result()
        from coach.grading.sandbox import run_tests

        return run_tests(rubric.coding, text, timeout=self.timeout)


def code_score(approach: float, code: CodeResult | None, flags: list[str],
               policy: ScoringPolicy) -> float:
    """A coding answer's score before penalties: mostly its passing tests, the rest its
    approach (`approach`, the key-point score); flags what went wrong with the run."""
    if code is None:
        score = approach
    elif not code.parsed:
        flags.append("code-does-not-parse")
        score = policy.unparsed_share * approach
    elif code.total:
        score = 5.0 * policy.tests_share * code.passed / code.total + \
            (1 - policy.tests_share) * approach
        if code.error and not code.tests:
            flags.append("code-failed-to-run")
    else:
        score = approach
    if code is not None and not code.isolated:
        flags.append("code-not-isolated")
    return score
