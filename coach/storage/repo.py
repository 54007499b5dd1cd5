"""Reads and writes of sessions, turns, review state and drafts."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from coach.errors import NotFoundError
from coach.storage.db import Database, dumps, now


@dataclass
class TurnRecord:
    session_id: str
    position: int
    question_id: str
    state: str
    answer: str = ""
    followups: list[dict[str, Any]] = field(default_factory=list)
    grade: dict[str, Any] | None = None
    hints_used: int = 0
    skipped: bool = False
    track: str = ""
    topics: list[str] = field(default_factory=list)
    score: float | None = None
    started_at: str = ""
    updated_at: str = ""
    asked: str = ""
    """The question as the candidate saw it (empty in turns saved before schema 4)."""


@dataclass
class SessionRecord:
    id: str
    created_at: str
    updated_at: str
    status: str
    role: str
    mode: str
    config: dict[str, Any]
    plan: dict[str, Any]
    summary: dict[str, Any] | None = None
    finished_at: str | None = None
    turns: list[TurnRecord] = field(default_factory=list)

    @property
    def score(self) -> float | None:
        scores = [t.score for t in self.turns if t.score is not None and not t.skipped]
        return round(sum(scores) / len(scores), 2) if scores else None


def _turn(row: Any) -> TurnRecord:
    return TurnRecord(
        session_id=row["session_id"], position=row["position"], question_id=row["question_id"],
        state=row["state"], answer=row["answer"], followups=json.loads(row["followups"]),
        grade=json.loads(row["grade"]) if row["grade"] else None, hints_used=row["hints_used"],
        skipped=bool(row["skipped"]), track=row["track"], topics=json.loads(row["topics"]),
        score=row["score"], started_at=row["started_at"], updated_at=row["updated_at"],
        asked=row["asked"],
    )


def _review(row: Any) -> dict[str, Any]:
    return {"card": json.loads(row["card"]), "due": row["due"], "last_score": row["last_score"],
            "reviews": row["reviews"]}


class Repository:
    def __init__(self, db: Database) -> None:
        self.db = db

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

    def session(self, session_id: str) -> SessionRecord:
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
        record = SessionRecord(
            id=row["id"], created_at=row["created_at"], updated_at=row["updated_at"],
            status=row["status"], role=row["role"], mode=row["mode"],
            config=json.loads(row["config"]), plan=json.loads(row["plan"]),
            summary=json.loads(row["summary"]) if row["summary"] else None,
            finished_at=row["finished_at"],
        )
        record.turns = [_turn(r) for r in self.db.query(
            "SELECT * FROM turns WHERE session_id = ? ORDER BY position", (record.id,))]
        return record

    def sessions(self, limit: int = 50) -> list[SessionRecord]:
        rows = self.db.query("SELECT id FROM sessions ORDER BY created_at DESC, rowid DESC "
                             "LIMIT ?", (limit,))
        return [self.session(r["id"]) for r in rows]

    def unfinished(self) -> list[SessionRecord]:
        rows = self.db.query("SELECT id FROM sessions WHERE status = 'active' ORDER BY "
                             "updated_at DESC")
        return [self.session(r["id"]) for r in rows]

    # turns ---------------------------------------------------------------------------------
    def save_turn(self, turn: TurnRecord) -> None:
        stamp = now()
        with self.db.transaction() as c:
            c.execute(
                "INSERT INTO turns (session_id, position, question_id, state, answer, followups,"
                " grade, hints_used, skipped, started_at, updated_at, track, topics, score, "
                "asked) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(session_id, position) DO UPDATE SET question_id=excluded.question_id,"
                " state=excluded.state, answer=excluded.answer, followups=excluded.followups, "
                "grade=excluded.grade, hints_used=excluded.hints_used, skipped=excluded.skipped,"
                " updated_at=excluded.updated_at, track=excluded.track, topics=excluded.topics, "
                "score=excluded.score, asked=excluded.asked",
                (turn.session_id, turn.position, turn.question_id, turn.state, turn.answer,
                 dumps(turn.followups), dumps(turn.grade) if turn.grade is not None else None,
                 turn.hints_used, int(turn.skipped), turn.started_at or stamp, stamp,
                 turn.track, dumps(turn.topics), turn.score, turn.asked),
            )
            c.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (stamp, turn.session_id))

    def graded_turns(self) -> list[TurnRecord]:
        return [_turn(r) for r in self.db.query(
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
