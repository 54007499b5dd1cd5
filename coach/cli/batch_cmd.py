"""`coach grade --batch FILE`: many answers, graded together, as a table or JSON lines."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def run_batch(path: Path, as_json: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    from coach.cli.progress import progress_bar
    from coach.grading.batch import grade_batch, read_batch
    from coach.reports.safe_text import visible
    from coach.services import build_services

    svc = build_services()
    rows = read_batch(path, svc.kb)  # every line checked before any grading starts
    table = Table("id", "question", "score", "level", "stated", "wrong", "flags")
    with progress_bar(f"Grading {path.name}") as update:
        for row, grade in grade_batch(rows, svc.grader, progress=update):
            if as_json:  # one line per grade: JSON lines, like the input
                print(json.dumps({"id": row.id, **grade.model_dump(mode="json")},
                                 ensure_ascii=False), flush=True)
                continue
            stated = sum(1 for k in grade.key_points if k.verdict == "stated")
            wrong = len(grade.contradicted) + len(grade.misconceptions)
            table.add_row(visible(row.id), visible(row.rubric.question_id),
                          f"{grade.score:.1f}", grade.level,
                          f"{stated}/{len(grade.key_points)}", str(wrong),
                          ", ".join(grade.flags))
    if not as_json:
        Console(file=sys.stdout).print(table)
