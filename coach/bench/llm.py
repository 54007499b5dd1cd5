"""Latency of the LLM path against a real provider: first token, interviewer turn, judge turn.

`coach bench --provider ID` adds this section. Each figure is measured on real requests to
the configured provider; a turn that fell back to the offline path is counted and named, never
timed as if the LLM had answered.
"""

from __future__ import annotations

import json
import statistics
import time
from typing import Any

from coach.paths import evals_dir


def _sample_rows(kb: Any, n: int) -> list[dict[str, Any]]:
    """Strong answers to technical questions, one per question, in file order."""
    path = evals_dir() / "datasets" / "interview_answers.jsonl"
    rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    seen: set[str] = set()
    picked = []
    for r in rows:
        qid = r["question_id"]
        if qid not in seen and r["score"] >= 0.8 * r["max_score"] \
                and kb.question(qid).question.kind == "technical":
            seen.add(qid)
            picked.append(r)
        if len(picked) >= n:
            break
    return picked


def _summary(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    return {"n": len(values), "median_s": round(statistics.median(values), 3),
            "max_s": round(max(values), 3)}


def run_llm_bench(svc: Any, turns: int = 3, max_tokens: int | None = None) -> dict[str, Any]:
    """Raw stream, interviewer phrasing and judge grading, `turns` times each; `max_tokens`
    caps every reply (a slow server's rambling reply then costs a bounded time)."""
    from coach.grading.models import JudgeStatus
    from coach.grading.rubric import rubric_for
    from coach.providers.base import Message
    from coach.providers.session_hooks import judge_grader, phrase_question

    chat = svc.chat
    if chat is None:
        return {"status": "unavailable", "reason": "no provider configured (offline)"}
    if max_tokens is not None:
        chat.max_tokens = max_tokens  # read when the client is first built: before any request
    out: dict[str, Any] = {"status": "ok", "provider": chat.id, "max_tokens": chat.max_tokens}
    first, total = [], []
    for _ in range(turns):
        start = time.perf_counter()
        got_first = None
        text = ""
        for piece in chat.stream([Message("user", "In one sentence: what is overfitting?")]):
            if got_first is None and piece.strip():
                got_first = time.perf_counter() - start
            text += piece
        total.append(time.perf_counter() - start)
        if got_first is not None:
            first.append(got_first)
    out["raw_first_token"] = _summary(first)
    out["raw_reply"] = _summary(total)

    rows = _sample_rows(svc.kb, turns)
    heard, spoken, fell_back = [], [], []
    for r in rows:
        q = svc.kb.question(r["question_id"])
        start = time.perf_counter()
        first_token: list[float] = []

        def on_token(_piece: str, _start: float = start, _seen: list[float] = first_token) -> None:
            if not _seen:
                _seen.append(time.perf_counter() - _start)

        said = phrase_question(svc, q, q.question.prompt, on_token=on_token)
        if first_token:  # words reached the user, whether or not the line was then kept
            heard.append(first_token[0])
        if said.source == "llm":
            spoken.append(time.perf_counter() - start)
        else:
            fell_back.append(f"{q.id}: interviewer used the template ({said.reason})")
    out["interviewer_first_words"] = _summary(heard)
    out["interviewer_turn"] = _summary(spoken)

    grader = judge_grader(svc)
    judged, judge_fallbacks = [], []
    for r in rows:
        rubric = rubric_for(svc.kb.question(r["question_id"]).question)
        start = time.perf_counter()
        grade = grader.grade(rubric, r["answer"])
        seconds = time.perf_counter() - start
        if grade.judge_status is JudgeStatus.COMBINED:
            judged.append(seconds)
        else:
            judge_fallbacks.append(f"{rubric.question_id}: {grade.grader}")
    out["judge_turn"] = _summary(judged)
    out["fallbacks"] = fell_back + judge_fallbacks
    return out


def format_llm(r: dict[str, Any]) -> list[str]:
    if r.get("status") != "ok":
        return [f"LLM path                unavailable: {r.get('reason', '')}"]

    def fig(key: str) -> str:
        s = r[key]
        return f"median {s['median_s']:.2f} s, max {s['max_s']:.2f} s ({s['n']})" if s["n"] \
            else "no successful turn"

    lines = [f"LLM path ({r['provider']}, replies up to {r['max_tokens']} tokens)",
             f"  first token (raw)     {fig('raw_first_token')}",
             f"  full reply (raw)      {fig('raw_reply')}",
             f"  interviewer: first words {fig('interviewer_first_words')}",
             f"  interviewer: kept turn {fig('interviewer_turn')}",
             f"  judge: grading turn   {fig('judge_turn')}"]
    for f in r["fallbacks"]:
        lines.append(f"  fell back to offline: {f}")
    return lines
