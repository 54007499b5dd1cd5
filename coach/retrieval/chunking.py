"""Split a note into chunks along its Markdown headings."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from coach.knowledge.models import Note

HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*#*\s*$")
MAX_WORDS = 220


@dataclass(frozen=True)
class Chunk:
    id: str
    note_id: str
    heading: str
    text: str

    @property
    def embed_text(self) -> str:
        return f"{self.heading}\n{self.text}"


def note_hash(note: Note, model: str) -> str:
    payload = "\x00".join([model, note.meta.model_dump_json(), note.body])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def chunk_note(note: Note) -> list[Chunk]:
    """One chunk per heading section (long sections split by paragraphs), titled by path."""
    sections: list[tuple[str, list[str]]] = []
    heading = note.title
    lines: list[str] = []
    in_code = False
    for line in note.body.splitlines():
        if line.strip().startswith("```"):
            in_code = not in_code
        match = None if in_code else HEADING.match(line)
        if match:
            if any(s.strip() for s in lines):
                sections.append((heading, lines))
            level, title = len(match.group(1)), match.group(2).strip()
            heading = note.title if level == 1 else f"{note.title} › {title}"
            lines = []
        else:
            lines.append(line)
    if any(s.strip() for s in lines):
        sections.append((heading, lines))
    chunks: list[Chunk] = []
    for heading, body_lines in sections:
        for part in _split_long("\n".join(body_lines).strip()):
            chunks.append(Chunk(f"{note.id}#{len(chunks)}", note.id, heading, part))
    return chunks


def _split_long(text: str) -> list[str]:
    if len(text.split()) <= MAX_WORDS:
        return [text]
    parts: list[str] = []
    current: list[str] = []
    count = 0
    for para in re.split(r"\n\s*\n", text):
        words = len(para.split())
        if current and count + words > MAX_WORDS:
            parts.append("\n\n".join(current))
            current, count = [], 0
        current.append(para)
        count += words
    if current:
        parts.append("\n\n".join(current))
    return parts
