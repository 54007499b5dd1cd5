"""The LLM judge: a verdict and an exact quote per key point, then checked by code.

The model's claims are never taken on trust. A "covered" or "partial" verdict counts only
when its quote is found verbatim (up to whitespace and case) in the candidate's answer or
follow-up answers, is not a sentence addressed to the grader, and is about the key point
(embedding similarity of quote and point at least RELATED). Everything else is dropped
and listed with the reason.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from coach.embeddings import Embedder
from coach.grading import signals
from coach.grading.rubric import Rubric
from coach.grading.text import split_units
from coach.prompts import render
from coach.providers.base import ChatProvider, Message

RELATED = 0.3
MIN_QUOTE_WORDS = 2


# The offline grader's words; older models sometimes answer in the judge's former ones.
_ALIASES = {"covered": "stated", "missed": "absent", "wrong": "contradicted"}
CHECKED_STATUS = {"stated": "covered", "partial": "partial", "contradicted": "contradicted",
                  "absent": "missed"}


class PointVerdict(BaseModel):
    """The judge's decision on one key point."""

    id: str = Field(description="The key point id, exactly as listed.")
    verdict: Literal["stated", "partial", "contradicted", "absent"] = Field(
        description="stated: said clearly and correctly; partial: touched on, vague or "
                    "incomplete; contradicted: the answer says something incompatible with "
                    "the point; absent: not said.")
    quote: str = Field(default="", description="Words copied exactly from the candidate's "
                       "answer that state the point (or, when contradicted, that contradict "
                       "it); empty when absent.",
                       json_schema_extra={"maxLength": 240})

    @field_validator("verdict", mode="before")
    @classmethod
    def _alias(cls, value: object) -> object:
        return _ALIASES.get(value, value) if isinstance(value, str) else value


class WrongClaim(BaseModel):
    """A factually wrong statement in the answer, whether or not a key point covers it."""

    quote: str = Field(description="The wrong statement, copied exactly from the answer.",
                       json_schema_extra={"maxLength": 240})
    correction: str = Field(description="One sentence: what is true instead.",
                            json_schema_extra={"maxLength": 240})


class JudgeReply(BaseModel):
    """One verdict for every key point, each backed by a verbatim quote from the answer."""

    # The name models have always been asked to fill (the grade keeps a `JudgeVerdict` of its
    # own: coach.grading.judge_verdict, the checked result).
    model_config = ConfigDict(title="JudgeVerdict")

    points: list[PointVerdict]
    wrong_claims: list[WrongClaim] = Field(default_factory=list)
    gap: str = Field(default="", description="One sentence naming the most important gap.",
                     json_schema_extra={"maxLength": 240})


@dataclass(frozen=True)
class JudgePoint:
    id: str
    text: str
    weight: float


@dataclass
class CheckedPoint:
    id: str
    text: str
    weight: float
    claimed: str  # what the model said
    status: str  # what survives the checks: covered | partial | missed
    quote: str = ""
    source: str = ""
    start: int = -1
    end: int = -1
    dropped: str = ""  # why a claim was not accepted

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass
class CheckedClaim:
    """A wrong claim whose quote was found in the answer."""

    quote: str
    correction: str
    source: str
    start: int
    end: int


@dataclass
class CheckedVerdict:
    points: list[CheckedPoint] = field(default_factory=list)
    gap: str = ""
    wrong_claims: list[CheckedClaim] = field(default_factory=list)
    dropped_claims: int = 0

    @property
    def dropped(self) -> list[CheckedPoint]:
        return [p for p in self.points if p.dropped]


def judge_points(rubric: Rubric) -> list[JudgePoint]:
    """Key points to judge; a behavioural question's STAR parts count as points too."""
    points = [JudgePoint(p.id, p.text, p.weight) for p in rubric.points]
    if rubric.star is not None:
        for part in ("situation", "task", "action", "result"):
            points.append(JudgePoint(part, getattr(rubric.star, part).expect, 1.0))
    return points


def ask_judge(chat: ChatProvider, rubric: Rubric, answer: str,
              followups: Sequence[str] = ()) -> JudgeReply:
    """The raw structured verdict (may raise a ProviderError)."""
    tag = "answer-" + secrets.token_hex(4)
    points = judge_points(rubric)
    extra = "\n".join(f"<{tag} followup-{i + 1}>\n{_fence(f, tag)}\n</{tag}>"
                      for i, f in enumerate(followups) if f and f.strip())
    user = render("judge_user", question=rubric.prompt, tag=tag,
                  key_points="\n".join(f"- {p.id}: {p.text}" for p in points),
                  answer=_fence(answer, tag), followups=extra or "(none)")
    return chat.structured([Message("system", render("judge_system", tag=tag)),
                            Message("user", user)], JudgeReply)


def _fence(text: str, tag: str) -> str:
    # The answer cannot close its own delimiter: the tag is random and any look-alike is cut.
    return re.sub(r"</?\s*answer[^>]*>", "", text, flags=re.IGNORECASE).replace(tag, "")


def check(verdict: JudgeReply, rubric: Rubric, answer: str, followups: Sequence[str],
          embedder: Embedder) -> CheckedVerdict:
    """Keep only the claims the answer itself supports."""
    sources = {"answer": answer}
    sources.update({f"followup-{i + 1}": f for i, f in enumerate(followups) if f})
    by_id: dict[str, PointVerdict] = {}
    for claim in verdict.points:
        by_id.setdefault(claim.id.strip(), claim)
    out = CheckedVerdict(gap=verdict.gap.strip()[:300])
    for point in judge_points(rubric):
        v = by_id.get(point.id)
        checked = CheckedPoint(point.id, point.text, point.weight,
                               v.verdict if v else "none", "missed")
        out.points.append(checked)
        if v is None:
            checked.dropped = "no verdict for this point"
            continue
        if v.verdict == "absent":
            continue
        found = _locate(v.quote, sources)
        if found is None:
            checked.dropped = "quote not found in the answer"
            continue
        source, start, end = found
        text = sources[source][start:end]
        if _in_injection(sources[source], start, end):
            checked.dropped = "quote is an instruction to the grader"
            continue
        vectors = embedder.encode([text, point.text])
        if float(vectors[0] @ vectors[1]) < RELATED:
            checked.dropped = "quote is not about this point"
            continue
        checked.status, checked.quote = CHECKED_STATUS[v.verdict], text
        checked.source, checked.start, checked.end = source, start, end
    for wrong in verdict.wrong_claims[:10]:
        found = _locate(wrong.quote, sources)
        if found is None or _in_injection(sources[found[0]], found[1], found[2]):
            out.dropped_claims += 1
            continue
        source, start, end = found
        out.wrong_claims.append(CheckedClaim(sources[source][start:end],
                                             wrong.correction.strip()[:300], source, start,
                                             end))
    return out


def _locate(quote: str, sources: dict[str, str]) -> tuple[str, int, int] | None:
    """Where the quote occurs, ignoring differences in whitespace and case."""
    words = re.findall(r"\S+", quote.strip().strip("\"'“”‘’…").strip())
    if len(words) < MIN_QUOTE_WORDS:
        return None
    pattern = re.compile(r"\s+".join(re.escape(w) for w in words), re.IGNORECASE)
    for name, text in sources.items():
        match = pattern.search(text)
        if match:
            return name, match.start(), match.end()
    return None


def _in_injection(text: str, start: int, end: int) -> bool:
    units = split_units(text)
    bad = signals.injection_units(units)
    return any(units[i].start < end and start < units[i].end for i in bad)
