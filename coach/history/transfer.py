"""Move the whole history between machines as one JSON file.

Import validates the entire file before it writes anything, then writes in one transaction.
It is idempotent: a session, review card or draft already present is replaced only by a copy
with a later `updated_at`, so importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from coach.errors import CoachError
from coach.interview.records import InterviewRepository, Turn
from coach.reports.safe_text import first_surrogate
from coach.storage.db import dumps, now
from coach.storage.migrations import LATEST
from coach.storage.records import TURN_COLUMNS

EXPORT_SCHEMA = "coach.export/1"
SESSION_COLUMNS = ("id", "created_at", "updated_at", "status", "role", "mode", "config", "plan",
                   "summary", "finished_at")
REVIEW_COLUMNS = ("question_id", "card", "due", "last_score", "reviews", "updated_at")
DRAFT_COLUMNS = ("session_id", "position", "text", "updated_at")
JSON_COLUMNS = {"config", "plan", "summary", "card"}
__all__ = ["TURN_COLUMNS", "export_history", "import_history", "read_export", "write_export"]


def _stamp(value: str) -> str:
    datetime.fromisoformat(value)
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# An export's turn gives every field of the record but these (its session is the one holding
# it; `asked` is absent from exports made before database schema 4; `score` may be left out).
_OPTIONAL_IN_EXPORT = {"session_id", "asked", "score"}


class TurnIn(Turn):
    """A turn as an export file holds it: the turn record without its session id, with every
    other field given and its times as ISO stamps."""

    session_id: str = ""
    """Not in the file: set from the session that holds the turn."""

    _stamps = field_validator("started_at", "updated_at")(_stamp)

    @model_validator(mode="before")
    @classmethod
    def _as_exported(cls, data: Any) -> Any:
        if isinstance(data, dict):
            if "session_id" in data:
                raise ValueError("session_id: not part of an exported turn (its session gives "
                                 "it)")
            for name in cls.model_fields:
                if name not in data and name not in _OPTIONAL_IN_EXPORT:
                    raise ValueError(f"{name}: Field required")
        return data


class SessionIn(_Strict):
    id: str = Field(min_length=1, max_length=64)
    created_at: str
    updated_at: str
    status: str = Field(min_length=1)
    role: str = Field(min_length=1)
    mode: str = Field(min_length=1)
    config: dict[str, Any]
    plan: dict[str, Any]
    summary: dict[str, Any] | None
    finished_at: str | None
    turns: list[TurnIn]

    _stamps = field_validator("created_at", "updated_at")(_stamp)

    @model_validator(mode="after")
    def _positions(self) -> SessionIn:
        positions = [t.position for t in self.turns]
        if len(set(positions)) != len(positions):
            raise ValueError(f"session {self.id} has two turns at the same position")
        for turn in self.turns:
            turn.session_id = self.id
        return self


class ReviewIn(_Strict):
    question_id: str = Field(min_length=1)
    card: dict[str, Any]
    due: str
    last_score: float | None = Field(ge=0, le=5)
    reviews: int = Field(ge=0)
    updated_at: str

    _stamps = field_validator("due", "updated_at")(_stamp)

    @field_validator("card")
    @classmethod
    def _card(cls, value: dict[str, Any]) -> dict[str, Any]:
        from fsrs import Card

        try:
            Card.from_dict(value)  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not an FSRS card ({exc})") from None
        return value


class DraftIn(_Strict):
    session_id: str = Field(min_length=1)
    position: int = Field(ge=0)
    text: str
    updated_at: str


class ExportFile(_Strict):
    schema_: Literal["coach.export/1"] = Field(alias="schema")
    exported_at: str
    db_schema: int = Field(ge=1)
    sessions: list[SessionIn]
    review_state: list[ReviewIn]
    drafts: list[DraftIn]

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    reviews: int = 0
    drafts: int = 0

    def __str__(self) -> str:
        return (f"sessions: {self.added} added, {self.updated} updated, {self.unchanged} "
                f"unchanged; review cards changed: {self.reviews}; drafts changed: "
                f"{self.drafts}")


def _row(row: Any, columns: tuple[str, ...]) -> dict[str, Any]:
    out = {}
    for c in columns:
        value = row[c]
        out[c] = json.loads(value) if c in JSON_COLUMNS and value is not None else value
    return out


def export_history(repo: InterviewRepository) -> dict[str, Any]:
    db = repo.db
    sessions = []
    for s in db.query("SELECT * FROM sessions ORDER BY created_at, rowid"):
        item = _row(s, SESSION_COLUMNS)
        item["turns"] = [t.model_dump(mode="json", exclude={"session_id"})
                         for t in repo.turns(s["id"])]
        sessions.append(item)
    return {
        "schema": EXPORT_SCHEMA, "exported_at": now(), "db_schema": db.schema_version(),
        "sessions": sessions,
        "review_state": [_row(r, REVIEW_COLUMNS)
                         for r in db.query("SELECT * FROM review_state ORDER BY question_id")],
        "drafts": [_row(r, DRAFT_COLUMNS)
                   for r in db.query("SELECT * FROM drafts ORDER BY session_id, position")],
    }


def write_export(repo: InterviewRepository, path: Path, *, force: bool = False) -> dict[str, int]:
    """Write the export to path (atomically); refuses to replace a file unless force."""
    if path.exists() and not force:
        raise CoachError(f"{path}: already exists — choose another file or pass --force")
    data = export_history(repo)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise CoachError(f"{path}: cannot write the export ({exc.strerror}) — check the "
                         "folder exists and is writable") from None
    return {"sessions": len(data["sessions"]),
            "turns": sum(len(s["turns"]) for s in data["sessions"]),
            "review_state": len(data["review_state"]), "drafts": len(data["drafts"])}


def read_export(path: Path) -> ExportFile:
    """Parse and validate an export file; any problem is one CoachError naming where."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CoachError(f"{path}: cannot read ({exc.strerror}) — check the path") from None
    except UnicodeDecodeError:
        raise CoachError(f"{path}: not UTF-8 text — give a file made by 'coach export'") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CoachError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg}) — "
                         "give a file made by 'coach export'; nothing was imported") from None
    bad = _surrogate_at(data)
    if bad is not None:
        where, char = bad
        raise CoachError(f"{path}: {where or 'file'}: holds {char}, half of a character and "
                         "not text (the file was edited or damaged) — fix it or export again; "
                         "nothing was imported")
    if not isinstance(data, dict) or data.get("schema") != EXPORT_SCHEMA:
        found = data.get("schema") if isinstance(data, dict) else type(data).__name__
        raise CoachError(f"{path}: not a coach export (schema {found!r}, expected "
                         f"{EXPORT_SCHEMA!r}) — give a file made by 'coach export'")
    try:
        export = ExportFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
        raise CoachError(f"{path}: {where.lstrip('.') or 'file'}: {err['msg']} — fix the file "
                         "or export it again; nothing was imported") from None
    if export.db_schema > LATEST:
        raise CoachError(f"{path}: made by a newer coach (database schema {export.db_schema}, "
                         f"this one knows {LATEST}) — upgrade coach, then import")
    return export


def _surrogate_at(value: Any, where: str = "") -> tuple[str, str] | None:
    """Where the first lone surrogate (a \\udXXX escape JSON allows) sits, and which."""
    if isinstance(value, str):
        char = first_surrogate(value)
        return (where, char) if char else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _surrogate_at(key, where) or _surrogate_at(item, f"{where}.{key}".lstrip("."))
            if found:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = _surrogate_at(item, f"{where}[{i}]")
            if found:
                return found
    return None


def import_history(repo: InterviewRepository, export: ExportFile) -> ImportResult:
    result = ImportResult()
    with repo.db.transaction() as c:
        for s in export.sessions:
            row = c.execute("SELECT updated_at FROM sessions WHERE id = ?", (s.id,)).fetchone()
            if row is not None and row["updated_at"] >= s.updated_at:
                result.unchanged += 1
                continue
            if row is not None:
                c.execute("DELETE FROM turns WHERE session_id = ?", (s.id,))
                c.execute("DELETE FROM sessions WHERE id = ?", (s.id,))
                result.updated += 1
            else:
                result.added += 1
            c.execute(f"INSERT INTO sessions ({', '.join(SESSION_COLUMNS)}) VALUES "
                      f"({', '.join('?' * len(SESSION_COLUMNS))})",
                      (s.id, s.created_at, s.updated_at, s.status, s.role, s.mode,
                       dumps(s.config), dumps(s.plan),
                       dumps(s.summary) if s.summary is not None else None, s.finished_at))
            for t in s.turns:
                row = t.row()
                c.execute(f"INSERT INTO turns ({', '.join(TURN_COLUMNS)}) VALUES "
                          f"({', '.join('?' * len(TURN_COLUMNS))})",
                          tuple(row[column] for column in TURN_COLUMNS))
        for r in export.review_state:
            row = c.execute("SELECT updated_at FROM review_state WHERE question_id = ?",
                            (r.question_id,)).fetchone()
            if row is not None and row["updated_at"] >= r.updated_at:
                continue
            c.execute("INSERT OR REPLACE INTO review_state VALUES (?, ?, ?, ?, ?, ?)",
                      (r.question_id, dumps(r.card), r.due, r.last_score, r.reviews,
                       r.updated_at))
            result.reviews += 1
        for d in export.drafts:
            row = c.execute("SELECT updated_at FROM drafts WHERE session_id = ? AND "
                            "position = ?", (d.session_id, d.position)).fetchone()
            if row is not None and row["updated_at"] >= d.updated_at:
                continue
            c.execute("INSERT OR REPLACE INTO drafts VALUES (?, ?, ?, ?)",
                      (d.session_id, d.position, d.text, d.updated_at))
            result.drafts += 1
    return result
