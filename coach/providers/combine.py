"""The combined grade: the offline grader and the checked LLM verdict, by one fixed rule.

The rule (shown to the user as the grade's first feedback line):
  1. The offline grade is always computed first and is the fall-back.
  2. LLM score = 5 x (weighted credit of the checked points: stated 1, partial 0.5,
     absent, contradicted or dropped 0; a point credited only from a follow-up answer earns
     80%), minus the offline penalties (0.75 per misconception, 0.25 per hint) and 0.75 per
     point or wrong claim the judge found contradicted (with a verified quote).
  3. No point either grader found contradicted is credited: a point the offline grader found
     contradicted earns the LLM nothing, and a point the judge found contradicted (verified
     quote) takes its credit back from the offline score, plus the 0.75 penalty. A point the
     offline verifier could not decide ("addressed, not verified") takes the judge's verdict.
  4. Combined = the mean of the offline and LLM scores, rounded to 0.1.
  5. Guards: when the offline grader flagged the answer (text addressed to the grader,
     keyword list, off-topic, restating the question, nothing gradable) the combined score
     is never above the offline score. Coding answers keep the offline score (the tests
     decide); empty, "I don't know" and unreadable answers never reach the LLM.
If the judge fails (after retries, or after one repair of malformed output) the grade is the
offline grade, labelled "offline (llm failed: REASON)", its `llm` an unavailable verdict
with the reason and the error. The LLM never invents a score.
"""

from __future__ import annotations

from collections.abc import Sequence

from coach.errors import CoachError
from coach.grading.grader import Grader
from coach.grading.judge_verdict import JudgedClaim, JudgedPoint, JudgeStatus, JudgeVerdict
from coach.grading.models import (
    COMBINED_GRADER,
    STATUS_OF,
    Feedback,
    FeedbackKind,
    Flag,
    Grade,
    KeyPointResult,
    MisconceptionHit,
    Quote,
    level_for,
)
from coach.grading.policy import DEFAULT_POLICY, ScoringPolicy
from coach.grading.rubric import Rubric
from coach.providers.base import ChatProvider
from coach.providers.errors import reason_of
from coach.providers.judge import CheckedVerdict, ask_judge, check
from coach.providers.redact import redact

GUARD_FLAGS = frozenset({Flag.INSTRUCTIONS_TO_GRADER, Flag.KEYWORD_LIST, Flag.OFF_TOPIC,
                         Flag.REPEATS_QUESTION, Flag.NO_CONTENT})
NO_LLM_FLAGS = frozenset({Flag.EMPTY, Flag.NO_ANSWER, Flag.GIBBERISH})
CREDIT = {"covered": 1.0, "partial": 0.5, "missed": 0.0, "contradicted": 0.0}
VERDICT_OF = {"covered": "stated", "partial": "partial", "missed": "absent",
              "contradicted": "contradicted"}


def llm_score(checked: CheckedVerdict, offline: Grade,
              policy: ScoringPolicy = DEFAULT_POLICY) -> float:
    """The judge's score, with the offline grader's credits and penalties (its policy), so
    both scores count alike."""
    wrong_offline = {k.id for k in offline.key_points if k.verdict == "contradicted"}
    total = sum(p.weight for p in checked.points) or 1.0
    credit = sum(p.weight * CREDIT[p.status] * (policy.prompted_credit if p.source.startswith(
        "followup") else 1.0) for p in checked.points if p.id not in wrong_offline)
    score = 5.0 * credit / total
    errors = len(offline.misconceptions) + len(wrong_offline | {
        p.id for p in checked.points if p.status == "contradicted"}) + len(checked.wrong_claims)
    score -= policy.misconception_penalty * errors + policy.hint_penalty * offline.hints_used
    return round(max(0.0, min(5.0, score)), 1)


def merged_points(offline: Grade, checked: CheckedVerdict) -> list[KeyPointResult]:
    """The offline points with the judge's word where it decides: contradicted by either
    grader stays contradicted; an unverified point takes the judge's verdict."""
    by_id = {p.id: p for p in checked.points}
    out = []
    for k in offline.key_points:
        p = by_id.get(k.id)
        if p is None or p.dropped:
            out.append(k)
            continue
        update: dict[str, object] = {}
        if p.status == "contradicted" and k.verdict != "contradicted":
            update = {"verdict": "contradicted", "confidence": 0.0,
                      "evidence": Quote(text=p.quote, start=p.start, end=p.end,
                                        source=p.source)}
        elif k.verdict == "unverified":
            verdict = VERDICT_OF[p.status]
            update = {"verdict": verdict,
                      "confidence": CREDIT[p.status] if verdict != "absent" else 0.0}
            if p.quote:
                update["evidence"] = Quote(text=p.quote, start=p.start, end=p.end,
                                           source=p.source)
        if update:
            verdict = str(update["verdict"])
            update["status"] = STATUS_OF[verdict]
            k = k.model_copy(update=update)
        out.append(k)
    return out


def _offline_after_judge(offline: Grade, checked: CheckedVerdict,
                         policy: ScoringPolicy) -> float:
    """The offline score less the credit of points the judge showed to be contradicted."""
    total = sum(k.weight for k in offline.key_points) or 1.0
    wrong = {p.id for p in checked.points if p.status == "contradicted"}
    lost = sum(k.weight * k.confidence for k in offline.key_points
               if k.id in wrong and k.verdict != "contradicted")
    n = sum(1 for k in offline.key_points if k.id in wrong and k.verdict != "contradicted")
    score = offline.score - 5.0 * lost / total - policy.misconception_penalty * n
    return round(max(0.0, score), 1)


def combine(offline: Grade, checked: CheckedVerdict, provider: str,
            policy: ScoringPolicy = DEFAULT_POLICY) -> Grade:
    """The offline grade and the checked judge verdict as one grade; `policy` is the offline
    grader's (its credits and penalties apply to both scores)."""
    judged = llm_score(checked, offline, policy)
    base = (_offline_after_judge(offline, checked, policy) if offline.code is None
            else offline.score)
    combined = round((base + judged) / 2, 1)
    guards = sorted(GUARD_FLAGS & set(offline.flags))
    if offline.code is not None:
        combined, rule = offline.score, "coding answers keep the offline score (tests decide)"
    elif guards and combined > offline.score:
        combined, rule = offline.score, f"capped at the offline score ({', '.join(guards)})"
    else:
        rule = "mean of offline and LLM judge"
    credited = [p.text for p in checked.points if p.status == "covered" and p.id in
                offline.missed]
    points = merged_points(offline, checked)
    wrong = [MisconceptionHit(claim=c.quote, correction=c.correction, listed=False,
                              evidence=Quote(text=c.quote, start=c.start, end=c.end,
                                             source=c.source))
             for c in checked.wrong_claims]
    lines = [f"Score {combined:.1f}: offline grader {offline.score:.1f}, LLM judge "
             f"{judged:.1f} ({provider}); {rule}."]
    if credited:
        lines.append("The LLM judge also credited: " + "; ".join(credited[:3]))
    if checked.dropped:
        lines.append(f"{len(checked.dropped)} LLM claim(s) were dropped because the answer "
                     "does not support them.")
    llm = JudgeVerdict(
        status=JudgeStatus.COMBINED, provider=provider, score=judged,
        offline_score=offline.score, combined=combined, rule=rule, gap=checked.gap,
        points=[JudgedPoint.model_validate(p.to_dict()) for p in checked.points],
        dropped=len(checked.dropped),
        wrong_claims=[JudgedClaim.model_validate(c.__dict__) for c in checked.wrong_claims])
    judge = [Feedback(kind=FeedbackKind.JUDGE, text=line) for line in lines]
    return offline.model_copy(update={
        "score": combined, "level": level_for(combined), "grader": COMBINED_GRADER,
        "key_points": points, "missed": [k.id for k in points if k.status == "missed"],
        "misconceptions": [*offline.misconceptions, *wrong],
        "llm": llm, "feedback": [*judge, *offline.feedback]})


def fallback(offline: Grade, exc: BaseException, provider: str, secret: str = "") -> Grade:
    """The offline grade, labelled with why the LLM judge could not be used."""
    reason = redact(reason_of(exc), secret)
    note = Feedback(kind=FeedbackKind.JUDGE,
                    text=f"LLM judge unavailable ({reason}); this is the offline grade.")
    return offline.model_copy(update={
        "grader": f"offline (llm failed: {reason})",
        "llm": JudgeVerdict(status=JudgeStatus.UNAVAILABLE, provider=provider, reason=reason,
                            error=redact(str(exc), secret)[:300]),
        "feedback": [note, *offline.feedback]})


class CombinedGrader:
    """Same call as `Grader.grade`, adding the LLM judge when a chat provider is configured."""

    def __init__(self, offline: Grader, chat: ChatProvider) -> None:
        self.offline = offline
        self.chat = chat

    def grade(self, rubric: Rubric, answer: str, *, followups: Sequence[str] = (),
              hints_used: int = 0) -> Grade:
        base = self.offline.grade(rubric, answer, followups=followups, hints_used=hints_used)
        provider = self.chat.id or type(self.chat).__name__
        if NO_LLM_FLAGS & set(base.flags):
            return base
        try:
            verdict = ask_judge(self.chat, rubric, answer, followups)
        except CoachError as exc:
            return fallback(base, exc, provider, getattr(self.chat, "_key", ""))
        checked = check(verdict, rubric, answer, list(followups), self.offline.embedder)
        return combine(base, checked, provider, self.offline.policy)
