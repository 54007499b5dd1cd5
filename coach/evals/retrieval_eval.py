"""`coach eval retrieval`: does search find the note that answers a query?

A case is a query and the set of notes that answer it. Cases come from the question bank
(each question's prompt must find its own note) and from JSONL files with lines
`{"id", "query", "relevant_notes": [...]}` or `{"id", "query", "relevant_topics": [...]}`.
A query counts as found at k when any relevant note is among the first k notes returned.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coach.errors import CoachError
from coach.knowledge.loader import KnowledgeBase

DEPTH = 10
BANK = "bank"


@dataclass(frozen=True)
class Case:
    id: str
    query: str
    relevant: frozenset[str]


def bank_cases(kb: KnowledgeBase) -> list[Case]:
    """Every bank question's prompt, which must retrieve the note it belongs to."""
    return [Case(q.id, q.question.prompt, frozenset({q.note_id}))
            for q in sorted(kb.questions.values(), key=lambda q: q.id)]


def _notes_for_topics(kb: KnowledgeBase, topics: Sequence[str]) -> frozenset[str]:
    wanted = set(topics)
    return frozenset(n.id for n in kb.notes.values() if wanted & set(n.meta.topics))


def read_queries(path: Path, kb: KnowledgeBase) -> list[Case]:
    """Cases of a query file; a bad line or an unknown note is one error naming the line."""
    if not path.exists():
        raise CoachError(f"{path}: no such dataset — check the path")
    cases: list[Case] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            item = json.loads(line)
            query = str(item["query"]).strip()
            notes = [str(x) for x in item.get("relevant_notes", [])]
            topics = [str(x) for x in item.get("relevant_topics", [])]
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise CoachError(f"{where}: bad line ({type(exc).__name__}: {exc}) — each line "
                             "needs id, query and relevant_notes or relevant_topics") from None
        if not query:
            raise CoachError(f"{where}: the query is empty — write the query text")
        unknown = [x for x in notes if x not in kb.notes]
        if unknown:
            raise CoachError(f"{where}: unknown note id(s) {unknown} — use ids from "
                             "'coach knowledge stats' or label by relevant_topics")
        relevant = frozenset(notes) | _notes_for_topics(kb, topics)
        if not relevant:
            raise CoachError(f"{where}: no relevant notes (topics {topics} match none) — "
                             "give relevant_notes or known topic slugs")
        cases.append(Case(str(item.get("id", n)), query, relevant))
    if not cases:
        raise CoachError(f"{path}: the dataset is empty")
    return cases


def merge_query_parts(paths: Sequence[Path], kb: KnowledgeBase) -> list[dict[str, Any]]:
    """One query set from the authors' part files; a query asked twice keeps both labels."""
    merged: dict[str, dict[str, Any]] = {}
    for path in paths:
        for case in read_queries(path, kb):
            key = " ".join(case.query.lower().split())
            if key in merged:
                merged[key]["relevant_notes"] = sorted(
                    set(merged[key]["relevant_notes"]) | case.relevant)
            else:
                merged[key] = {"id": case.id, "query": case.query,
                               "relevant_notes": sorted(case.relevant)}
    return list(merged.values())


SearchFn = Callable[[str, int], Sequence[Any]]


def evaluate(cases: Sequence[Case], search: SearchFn, *, name: str = "", jobs: int = 1,
             progress: Callable[[int, int], None] | None = None,
             ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Recall@1, recall@5 and MRR (over the first 10 notes) and the ranked ids per query."""
    start = time.perf_counter()
    done = [0]
    lock = threading.Lock()

    def one(case: Case) -> list[str]:
        ranked = [h.note_id for h in search(case.query, DEPTH)]
        with lock:
            done[0] += 1
            if progress:
                progress(done[0], len(cases))
        return ranked

    if jobs > 1:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            rankings = list(pool.map(one, cases))
    else:
        rankings = [one(c) for c in cases]
    seconds = time.perf_counter() - start
    ranks = [first_relevant(r, c.relevant) for r, c in zip(rankings, cases, strict=True)]
    result: dict[str, Any] = {
        "dataset": name,
        "n": len(cases),
        "recall@1": round(recall_at(ranks, 1), 4),
        "recall@5": round(recall_at(ranks, 5), 4),
        "mrr": round(mrr(ranks), 4),
        "seconds": round(seconds, 3),
    }
    predictions = [{"id": c.id, "query": c.query, "relevant": sorted(c.relevant),
                    "ranked": r, "rank": k}
                   for c, r, k in zip(cases, rankings, ranks, strict=True)]
    return result, predictions


def first_relevant(ranked: Sequence[str], relevant: frozenset[str]) -> int | None:
    """1-based rank of the first relevant note, None when none was returned."""
    for i, note_id in enumerate(ranked, 1):
        if note_id in relevant:
            return i
    return None


def recall_at(ranks: Sequence[int | None], k: int) -> float:
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks) if ranks else 0.0


def mrr(ranks: Sequence[int | None]) -> float:
    return sum(1.0 / r for r in ranks if r is not None) / len(ranks) if ranks else 0.0


def misses(predictions: Sequence[dict[str, Any]], k: int = 5) -> list[dict[str, Any]]:
    """Queries whose relevant notes are not in the first k results."""
    return [p for p in predictions if p["rank"] is None or p["rank"] > k]


def default_datasets() -> list[Path]:
    from coach.paths import evals_dir

    return [evals_dir() / "datasets" / "retrieval_queries.jsonl"]


def run(services: Any, datasets: Sequence[Path] | None = None, *, bank: bool = True,
        jobs: int = 1, limit: int = 0,
        progress_for: Callable[[str], Any] | None = None,
        ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Evaluate the bank and each query file with the real index; metrics and predictions."""
    kb = services.kb
    named: list[tuple[str, list[Case]]] = []
    if bank:
        named.append((BANK, bank_cases(kb)))
    for path in default_datasets() if datasets is None else datasets:
        named.append((str(path), read_queries(Path(path), kb)))
    index = services.ready_index()  # after reading, so a bad file fails before the model loads
    results: list[dict[str, Any]] = []
    predictions: list[dict[str, Any]] = []
    for name, cases in named:
        if limit:
            cases = cases[:limit]
        # One batched embedding call up front; search then reads the embedder's cache.
        services.embedder.encode([c.query for c in cases])
        label = Path(name).name if name != BANK else "bank questions"
        if progress_for is None:
            result, preds = evaluate(cases, index.search, name=name, jobs=jobs)
        else:
            with progress_for(f"Retrieval: {label}") as update:
                result, preds = evaluate(cases, index.search, name=name, jobs=jobs,
                                         progress=update)
        results.append(result)
        predictions.extend({"dataset": name, **p} for p in preds)
    return results, predictions
