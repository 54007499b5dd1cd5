"""The feedback a grade shows the candidate: plain-language lines built only from the graded
facts, each with its kind, so a view chooses lines by kind and never by their wording."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from coach.grading.models import RESTATED, Feedback, FeedbackKind, Flag, Grade
from coach.grading.policy import DEFAULT_POLICY, ScoringPolicy

if TYPE_CHECKING:
    from coach.grading.rubric import Rubric

FLAG_TEXT: dict[Flag, str] = {
    Flag.INSTRUCTIONS_TO_GRADER: "Text addressed to the grader was ignored; only the answer "
                                 "itself is graded.",
    Flag.REPEATS_QUESTION: "The answer mostly restates the question.",
    Flag.KEYWORD_LIST: "A list of terms is not an explanation — say how the ideas connect.",
    Flag.OFF_TOPIC: "The answer does not address the question that was asked.",
    Flag.VERY_LONG: "The answer is very long; only its most relevant passages were graded.",
    Flag.UNFOCUSED: "The answer is long for what it covers; lead with the key idea.",
    Flag.CODE_DOES_NOT_PARSE: "The code does not parse, so it was graded on its approach only.",
    Flag.NO_CONTENT: "Nothing gradable was left in the answer.",
    Flag.CODE_NOT_ISOLATED: "Not isolated: your code ran as you, with your files and network "
                            "(no bubblewrap or user namespaces here; see the README's sandbox "
                            "section).",
}

NOTHING_TO_GRADE: dict[Flag, str] = {
    Flag.EMPTY: "No answer was given.",
    Flag.NO_ANSWER: "You said you don't know. In an interview, reason aloud from what you "
                    "do know — partial credit beats none.",
    Flag.GIBBERISH: "The answer could not be read as text.",
}
"""The only line of a grade that never reached the grader (the flag says why)."""


def nothing_to_grade(flag: str) -> Feedback:
    return Feedback(kind=FeedbackKind.FLAG, text=NOTHING_TO_GRADE[Flag(flag)])


def _off_question(prompt: str) -> str:
    return ("The story does not address what was asked: it fits another question "
            f"(“{prompt}”) far better than this one.")


def _listed(texts: Iterable[str]) -> str:
    """Key points in one line: "A; B; C." rather than "A.; B.; C."."""
    return "; ".join(t.strip().rstrip(".") for t in texts) + "."


def feedback_lines(grade: Grade, rubric: Rubric, *, off_question: str | None = None,
                   policy: ScoringPolicy = DEFAULT_POLICY) -> list[Feedback]:
    """Plain-language feedback built only from the graded facts. `off_question` is the
    prompt of the other question a behavioral story fits instead, when it was flagged so;
    `policy` is the grader's (the hint penalty it names)."""
    lines: list[Feedback] = []

    def add(kind: FeedbackKind, text: str) -> None:
        lines.append(Feedback(kind=kind, text=text))

    for flag in grade.flags:
        if flag == Flag.OFF_TOPIC and off_question is not None:
            add(FeedbackKind.FLAG, _off_question(off_question))
        elif flag in FLAG_TEXT:
            add(FeedbackKind.FLAG, FLAG_TEXT[flag])
    covered = [k for k in grade.key_points if k.verdict == "stated"]
    if covered:
        add(FeedbackKind.COVERED, "Covered: " + _listed(k.text for k in covered[:4]))
    for k in grade.key_points:
        if k.verdict == "contradicted" and k.evidence is not None:
            add(FeedbackKind.WRONG,
                f"Wrong: “{k.evidence.text.strip()[:160]}” — in fact: {k.text}")
    unverified = [k for k in grade.key_points if k.verdict == "unverified"]
    if unverified:
        add(FeedbackKind.UNVERIFIED, "Addressed, not verified (compare with the model answer): "
            + _listed(k.text for k in unverified[:3]))
    missed = sorted((k for k in grade.key_points if k.verdict in ("partial", "absent")),
                    key=lambda k: -k.weight)
    if missed:
        add(FeedbackKind.STRENGTHEN, "To strengthen: " + _listed(k.text for k in missed[:3]))
    for m in grade.misconceptions:
        label = "Misconception" if m.listed else "Wrong claim"
        add(FeedbackKind.MISCONCEPTION, f"{label}: “{m.evidence.text[:120]}” — {m.correction}")
    if grade.code is not None:
        if grade.code.parsed and grade.code.total:
            add(FeedbackKind.TESTS, f"Tests passed: {grade.code.passed}/{grade.code.total}"
                + (f" ({grade.code.error})" if grade.code.error else ""))
        elif not grade.code.parsed:
            add(FeedbackKind.CODE_ERROR, f"Code error: {grade.code.error}")
    if grade.star is not None:
        star = grade.star
        missing = [p.part for p in star.parts if not p.present]
        if missing:
            add(FeedbackKind.STORY, "Missing from the story: " + ", ".join(missing))
        if not star.quantified:
            add(FeedbackKind.STORY, "Quantify the result (a number, a percentage, time saved).")
        if not star.reflection:
            add(FeedbackKind.STORY, "Close with what you learned or would do differently.")
        if star.ownership in ("we", "none"):
            add(FeedbackKind.STORY, "Say what you did yourself — use “I” for your own actions.")
    if grade.hints_used:
        penalty = policy.hint_penalty
        add(FeedbackKind.HINTS, f"Hints used: {grade.hints_used} (−{penalty} each).")
    return lines


def advice(grade: Grade, *, judged: bool) -> list[str]:
    """The feedback a grade view lists as advice: not the lines that repeat what it shows
    from the facts, and, when it shows the LLM judge's part (`judged`), not the judge's."""
    return [f.text for f in grade.feedback if f.kind not in RESTATED
            and not (judged and f.kind is FeedbackKind.JUDGE)]
