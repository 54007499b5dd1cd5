"""Small wording helpers shared by the renderers (a grade's own rows: grade_view)."""

from __future__ import annotations

from coach.reports.model import Evidence, OverallJudge, QuestionJudge

KIND_WORD = {"technical": "technical", "behavioral": "behavioral",
             "system_design": "system design", "coding": "coding"}


def source_label(evidence: Evidence) -> str:
    """'your answer' or 'your answer to follow-up N'."""
    if evidence.source.startswith("followup-"):
        return f"your answer to follow-up {evidence.source.split('-', 1)[1]}"
    return "your answer"


def judge_text(judge: QuestionJudge, score: float) -> str:
    """Both graders side by side and the rule that gave the final score."""
    if judge.status == "unavailable" or judge.llm_score is None:
        return f"LLM judge unavailable: {judge.reason or 'unknown error'} — offline grade used"
    return (f"offline grader {judge.offline_score:.1f} · LLM judge {judge.llm_score:.1f} "
            f"({judge.provider}) → final {score:.1f}: {judge.rule}")


def judge_notes(judge: QuestionJudge) -> list[str]:
    """The judge's remarks worth keeping, as sentences: its main gap, claims it could not back."""
    out = []
    if judge.gap:
        gap = judge.gap.rstrip()
        out.append(f"LLM judge's main gap: {gap}" + ("" if gap.endswith((".", "!", "?")) else "."))
    if judge.dropped == 1:
        out.append("1 LLM claim was dropped because the answer does not support it.")
    elif judge.dropped:
        out.append(f"{judge.dropped} LLM claims were dropped because the answer does not "
                   "support them.")
    return out


def judge_cell(judge: QuestionJudge | None) -> str:
    """The LLM judge's score for a summary table."""
    if judge is None:
        return "–"
    if judge.llm_score is None:
        return f"unavailable ({judge.reason or 'unknown error'})"
    return f"{judge.llm_score:.1f}"


def overall_kind(judge: OverallJudge) -> str:
    """Says whether the overall score combines the LLM judge."""
    if judge.combined:
        return "combined score (offline grader and LLM judge)"
    return "offline score (the LLM judge was unavailable)"


def overall_judge_text(judge: OverallJudge, graded: int) -> str:
    """How many answers each grader decided, and each grader's own mean."""
    parts = []
    if judge.combined:
        verb = "combines" if judge.combined == 1 else "combine"
        parts.append(f"{judge.combined} of {_count(graded, 'graded answer')} {verb} the "
                     "offline grader and the LLM judge")
    if judge.unavailable:
        verb = "uses" if judge.unavailable == 1 else "use"
        parts.append(f"{_count(judge.unavailable, 'answer')} {verb} the offline grade (LLM "
                     "judge unavailable)")
    rest = graded - judge.combined - judge.unavailable
    if rest > 0:
        parts.append(f"{_count(rest, 'answer')} graded offline only (not sent to the LLM "
                     "judge)")
    means = f"offline grader alone {judge.offline_score:.1f}/5"
    if judge.llm_score is not None:
        means += f", LLM judge alone {judge.llm_score:.1f}/5 on the answers it judged"
    return "; ".join(parts) + " — " + means


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def one_line(text: str) -> str:
    return " ".join(text.split())


def score_text(score: float | None, level: str | None) -> str:
    if score is None:
        return "not graded"
    return f"{score:.1f}/5 ({level})"


def date_of(stamp: str | None) -> str:
    return (stamp or "")[:16].replace("T", " ")


_CODE_START = ("def ", "class ", "import ", "from ", "@", "return ", "for ", "if ")


def blocks(text: str) -> list[tuple[str, str]]:
    """Split prose on blank lines into ('p', joined text) and ('code', verbatim) blocks."""
    out: list[tuple[str, str]] = []
    for chunk in text.strip("\n").split("\n\n"):
        if not chunk.strip():
            continue
        lines = chunk.splitlines()
        code = lines[0].lstrip().startswith(_CODE_START) or any(
            line.startswith(("    ", "\t")) for line in lines)
        out.append(("code", chunk) if code else ("p", one_line(chunk)))
    return out
