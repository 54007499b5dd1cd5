"""Batch grading: many answers from a JSON-lines file, graded together.

Each line is an object with `id`, `answer` and either `question_id` (a bank question) or
`question` + `reference_answer` (optional `rubric`: a list of key points). A question without
a bank rubric that asks for a story ("tell me about a time...") is graded as behavioral.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from coach.errors import CoachError
from coach.grading.grader import Grader
from coach.grading.models import Grade
from coach.grading.rubric import Rubric, adhoc_rubric, rubric_for
from coach.knowledge.loader import KnowledgeBase

MAX_LINE_CHARS = 1_000_000
CHUNK = 64  # rows embedded together: big enough for throughput, small enough for progress


@dataclass(frozen=True)
class BatchRow:
    id: str
    answer: str
    rubric: Rubric


def read_batch(path: Path, kb: KnowledgeBase) -> list[BatchRow]:
    """Every row of the file, or one CoachError naming the first bad line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CoachError(f"{path}: cannot read the batch file ({exc.strerror}) — check the "
                         "path") from None
    text = raw.decode("utf-8", errors="replace")
    rows: list[BatchRow] = []
    rubrics: dict[str, Rubric] = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        if len(line) > MAX_LINE_CHARS:
            raise CoachError(f"{where}: the line is longer than {MAX_LINE_CHARS:,} characters "
                             "— shorten the answer")
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CoachError(f"{where}: not valid JSON ({exc.msg}) — each line must be one "
                             "JSON object") from None
        if not isinstance(item, dict):
            raise CoachError(f"{where}: expected a JSON object with id and answer")
        answer = item.get("answer")
        if not isinstance(answer, str):
            raise CoachError(f"{where}: 'answer' is missing or not a string")
        row_id = str(item.get("id", n))
        if "question_id" in item and "question" not in item:
            qid = str(item["question_id"])
            if qid not in rubrics:
                if qid not in kb.questions:
                    raise CoachError(f"{where}: no bank question '{qid}' — list them with "
                                     "'coach questions list', or give question and "
                                     "reference_answer instead")
                rubrics[qid] = rubric_for(kb.questions[qid].question)
            rubric = rubrics[qid]
        else:
            question, reference = item.get("question"), item.get("reference_answer")
            if not isinstance(question, str) or not isinstance(reference, str):
                raise CoachError(f"{where}: needs question_id, or question and "
                                 "reference_answer (strings)")
            points = item.get("rubric")
            if points is not None and (not isinstance(points, list) or not all(
                    isinstance(p, str) for p in points)):
                raise CoachError(f"{where}: 'rubric' must be a list of key points (strings)")
            key = json.dumps([question, reference, points])
            if key not in rubrics:
                rubrics[key] = adhoc_rubric(question, reference, key_points=points,
                                            question_id=str(item.get("question_id", "adhoc")))
            rubric = rubrics[key]
        rows.append(BatchRow(row_id, answer, rubric))
    if not rows:
        raise CoachError(f"{path}: no answers in the file — one JSON object per line")
    return rows


def grade_batch(rows: list[BatchRow], grader: Grader,
                progress: Callable[[int, int], None] | None = None
                ) -> Iterator[tuple[BatchRow, Grade]]:
    """Grades in file order; each chunk's texts are embedded (and verified) together."""
    done = 0
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start: start + CHUNK]
        grader.warm_batch([(r.rubric, r.answer) for r in chunk])
        for row in chunk:
            yield row, grader.grade(row.rubric, row.answer)
            done += 1
            if progress is not None:
                progress(done, len(rows))
