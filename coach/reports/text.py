"""Small wording helpers shared by the Markdown and HTML renderers."""

from __future__ import annotations

from coach.reports.model import Evidence

STATUS_MARK = {"covered": "✓", "partial": "~", "missed": "✗"}
STATUS_WORD = {"covered": "covered", "partial": "partly covered", "missed": "missed"}
KIND_WORD = {"technical": "technical", "behavioral": "behavioral",
             "system_design": "system design", "coding": "coding"}


def source_label(evidence: Evidence) -> str:
    """'your answer' or 'your answer to follow-up N'."""
    if evidence.source.startswith("followup-"):
        return f"your answer to follow-up {evidence.source.split('-', 1)[1]}"
    return "your answer"


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
