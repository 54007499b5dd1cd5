"""Reads and writes of sessions, turns, review state and drafts."""

from __future__ import annotations

import json
from typing import Any, Generic

from pydantic import ValidationError

from coach.errors import NotFoundError, StorageError
from coach.storage.db import Database, dumps, now
from coach.storage.records import (
    TURN_COLUMNS,
    FollowUpRecord,
    GradeT,
    SessionRecord,
    TurnRecord,
    TurnState,
)

__all__ = ["FollowUpRecord", "Repository", "SessionRecord", "TurnRecord", "TurnState"]


# A turn saved again keeps its place and when it started; everything else is replaced.
_SAVE_TURN = (
    f"INSERT INTO turns ({', '.join(TURN_COLUMNS)}) VALUES ({', '.join('?' * len(TURN_COLUMNS))})"
    " ON CONFLICT(session_id, position) DO UPDATE SET "
    + ", ".join(f"{c}=excluded.{c}" for c in TURN_COLUMNS
                if c not in ("session_id", "position", "started_at")))


def _review(row: Any) -> dict[str, Any]:
    return {"card": json.loads(row["card"]), "due": row["due"], "last_score": row["last_score"],
            "reviews": row["reviews"]}


class Repository(Generic[GradeT]):
    """The coach's data; turns come back as `TurnRecord[grade]` (the interview: `Grade`)."""

    def __init__(self, db: Database, *, grade: type[GradeT]) -> None:
        self.db = db
        # The record type with its grade model, so a turn's saved grade loads as that model
        # (mypy does not take a class held in a variable as a type argument; pydantic does).
        self._turn_type: type[TurnRecord[GradeT]] = TurnRecord[grade]  # type: ignore[valid-type]

    def _turn(self, row: Any) -> TurnRecord[GradeT]:
        data = {c: row[c] for c in TURN_COLUMNS}
        try:
            data["followups"] = json.loads(data["followups"])
            data["topics"] = json.loads(data["topics"])
            data["grade"] = json.loads(data["grade"]) if data["grade"] else None
            data["skipped"] = bool(data["skipped"])
            return self._turn_type.model_validate(data)
        except ValueError as exc:  # bad JSON, or a ValidationError
            what = str(exc)
            if isinstance(exc, ValidationError):
                err = exc.errors()[0]
                what = f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
            raise StorageError(
                f"{self.db.path}: session {row['session_id']}, question {row['position'] + 1} "
                f"does not load ({what}) — it was written by a newer coach or edited by hand: "
                "upgrade coach, or restore a backup") from None

    # sessions ------------------------------------------------------------------------------
    def create_session(self, session_id: str, role: str, mode: str, config: dict[str, Any],
                       plan: dict[str, Any]) -> None:
        stamp = now()
        with self.db.transaction() as c:
            c.execute("INSERT INTO sessions (id, created_at, updated_at, status, role, mode, "
                      "config, plan) VALUES (?, ?, ?, 'active', ?, ?, ?, ?)",
                      (session_id, stamp, stamp, role, mode, dumps(config), dumps(plan)))

    def update_session(self, session_id: str, **fields: Any) -> None:
        allowed = {"status", "plan", "summary", "finished_at", "config"}
        sets = []
        values: list[Any] = []
        for key, value in fields.items():
            if key not in allowed:
                raise ValueError(key)
            sets.append(f"{key} = ?")
            values.append(dumps(value) if isinstance(value, dict | list) else value)
        sets.append("updated_at = ?")
        values += [now(), session_id]
        with self.db.transaction() as c:
            c.execute(f"UPDATE sessions SET {', '.join(sets)} WHERE id = ?", values)

    def session(self, session_id: str) -> SessionRecord[GradeT]:
        if session_id == "latest":
            rows = self.db.query("SELECT * FROM sessions ORDER BY created_at DESC, rowid DESC "
                                 "LIMIT 1")
        else:
            rows = self.db.query("SELECT * FROM sessions WHERE id = ?", (session_id,))
            if not rows:
                rows = self.db.query("SELECT * FROM sessions WHERE id LIKE ?",
                                     (session_id + "%",))
                if len(rows) > 1:
                    raise NotFoundError(f"session id '{session_id}' is ambiguous — give more "
                                        "characters (see 'coach history')")
        if not rows:
            raise NotFoundError(f"no session '{session_id}' — list them with 'coach history'")
        row = rows[0]
        record: SessionRecord[GradeT] = SessionRecord(
            id=row["id"], created_at=row["created_at"], updated_at=row["updated_at"],
            status=row["status"], role=row["role"], mode=row["mode"],
            config=json.loads(row["config"]), plan=json.loads(row["plan"]),
            summary=json.loads(row["summary"]) if row["summary"] else None,
            finished_at=row["finished_at"],
        )
        record.turns = self.turns(record.id)
        return record

    def sessions(self, limit: int = 50) -> list[SessionRecord[GradeT]]:
        rows = self.db.query("SELECT id FROM sessions ORDER BY created_at DESC, rowid DESC "
                             "LIMIT ?", (limit,))
        return [self.session(r["id"]) for r in rows]

    def unfinished(self) -> list[SessionRecord[GradeT]]:
        rows = self.db.query("SELECT id FROM sessions WHERE status = 'active' ORDER BY "
                             "updated_at DESC")
        return [self.session(r["id"]) for r in rows]

    # turns ---------------------------------------------------------------------------------
    def turns(self, session_id: str) -> list[TurnRecord[GradeT]]:
        """The session's turns in the order they were asked."""
        return [self._turn(r) for r in self.db.query(
            "SELECT * FROM turns WHERE session_id = ? ORDER BY position", (session_id,))]

    def save_turn(self, turn: TurnRecord[GradeT]) -> None:
        stamp = now()
        row = turn.row()
        row["started_at"] = turn.started_at or stamp
        row["updated_at"] = stamp
        with self.db.transaction() as c:
            c.execute(_SAVE_TURN, tuple(row[c] for c in TURN_COLUMNS))
            c.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (stamp, turn.session_id))

    def graded_turns(self) -> list[TurnRecord[GradeT]]:
        return [self._turn(r) for r in self.db.query(
            "SELECT * FROM turns WHERE score IS NOT NULL AND skipped = 0 ORDER BY updated_at")]

    # drafts --------------------------------------------------------------------------------
    def save_draft(self, session_id: str, position: int, text: str) -> None:
        with self.db.transaction() as c:
            c.execute("INSERT INTO drafts VALUES (?, ?, ?, ?) ON CONFLICT(session_id, position) "
                      "DO UPDATE SET text=excluded.text, updated_at=excluded.updated_at",
                      (session_id, position, text, now()))

    def draft(self, session_id: str, position: int) -> str:
        rows = self.db.query("SELECT text FROM drafts WHERE session_id = ? AND position = ?",
                             (session_id, position))
        return str(rows[0]["text"]) if rows else ""

    def clear_draft(self, session_id: str, position: int) -> None:
        with self.db.transaction() as c:
            c.execute("DELETE FROM drafts WHERE session_id = ? AND position = ?",
                      (session_id, position))

    # review state --------------------------------------------------------------------------
    def review_states(self) -> dict[str, dict[str, Any]]:
        return {r["question_id"]: _review(r) for r in self.db.query("SELECT * FROM review_state")}

    def review_state(self, question_id: str) -> dict[str, Any] | None:
        rows = self.db.query("SELECT * FROM review_state WHERE question_id = ?", (question_id,))
        return _review(rows[0]) if rows else None

    def save_review(self, question_id: str, card: dict[str, Any], due: str,
                    score: float) -> None:
        with self.db.transaction() as c:
            c.execute("INSERT INTO review_state VALUES (?, ?, ?, ?, 1, ?) "
                      "ON CONFLICT(question_id) DO UPDATE SET card=excluded.card, "
                      "due=excluded.due, last_score=excluded.last_score, "
                      "reviews=review_state.reviews + 1, updated_at=excluded.updated_at",
                      (question_id, dumps(card), due, score, now()))

    def due_reviews(self, at: str | None = None) -> list[str]:
        rows = self.db.query("SELECT question_id FROM review_state WHERE due <= ? ORDER BY due",
                             (at or now(),))
        return [r["question_id"] for r in rows]
