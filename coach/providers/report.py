"""The LLM report writer: a short plain-words summary built only from the graded facts.

The reply is used only if every number in it appears in the facts; otherwise (and on any
provider problem) the summary is written from the facts by code.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from coach.errors import CoachError
from coach.grading.models import Grade
from coach.prompts import render
from coach.providers.base import ChatProvider, Message
from coach.providers.errors import reason_of
from coach.storage.records import SessionRecord

MAX_CHARS = 1500
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Written:
    text: str
    source: str  # "llm" | "facts"
    reason: str = ""


def session_facts(record: SessionRecord[Grade]) -> dict[str, Any]:
    """What the graders concluded, and nothing else."""
    turns = []
    for t in record.turns:
        points = t.grade.key_points if t.grade is not None else []
        turns.append({
            "question": t.question_id, "skipped": t.skipped, "score": t.score,
            "grader": t.grade.grader if t.grade is not None else "",
            "covered": [k.text for k in points if k.status == "covered"],
            "missed": [k.text for k in points if k.status != "covered"],
        })
    summary = record.summary or {}
    return {"overall": summary.get("score"), "level": summary.get("level"),
            "strengths": summary.get("strengths", []),
            "weaknesses": summary.get("weaknesses", []),
            "study_notes": summary.get("study_notes", []), "questions": turns}


def facts_text(facts: dict[str, Any]) -> str:
    """The code-written summary (the fall-back)."""
    answered = [q for q in facts["questions"] if q["score"] is not None and not q["skipped"]]
    parts = [f"You answered {len(answered)} of {len(facts['questions'])} question(s)"
             + (f", scoring {facts['overall']} out of 5 on average ({facts['level']})."
                if facts.get("overall") is not None else ".")]
    if facts["strengths"]:
        parts.append("Strongest: " + ", ".join(facts["strengths"]) + ".")
    if facts["weaknesses"]:
        parts.append("Needs work: " + ", ".join(facts["weaknesses"]) + ".")
    missed = [m for q in answered for m in q["missed"]][:3]
    if missed:
        parts.append("Points to learn: " + "; ".join(missed) + ".")
    if facts["study_notes"]:
        parts.append("Read next: " + ", ".join(facts["study_notes"][:3]) + ".")
    return " ".join(parts)


def write_summary(chat: ChatProvider | None, record: SessionRecord[Grade]) -> Written:
    facts = session_facts(record)
    if chat is None:
        return Written(facts_text(facts), "facts", "offline")
    blob = json.dumps(facts, ensure_ascii=False)
    messages = [Message("system", render("report_system")),
                Message("user", render("report_user", facts=blob))]
    try:
        text = chat.complete(messages).strip()
    except CoachError as exc:
        return Written(facts_text(facts), "facts", f"llm failed: {reason_of(exc)}")
    if not text or len(text) > MAX_CHARS:
        return Written(facts_text(facts), "facts", "reply empty or too long")
    known = set(_NUMBER.findall(blob)) | {"5"}
    invented = [n for n in _NUMBER.findall(text) if n not in known]
    if invented:
        return Written(facts_text(facts), "facts", f"reply had numbers not in the facts "
                       f"({', '.join(invented[:3])})")
    return Written(text, "llm")
