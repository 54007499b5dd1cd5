"""Every migration, from every earlier schema version with data in it, keeps the data."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from coach.errors import StorageError
from coach.storage import migrations
from coach.storage.db import Database
from coach.storage.migrations import LATEST, MIGRATIONS

JSON_TEXT = {"config": "{}", "plan": "{}", "summary": "{}", "followups": "[]",
             "grade": None, "topics": '["topic-a"]',
             "card": json.dumps({"card_id": 1, "state": 2, "step": None, "stability": 1.0,
                                 "difficulty": 5.0, "due": "2026-01-02T00:00:00+00:00",
                                 "last_review": "2026-01-01T00:00:00+00:00"})}


def build_at(path: Path, version: int) -> None:
    """A database as a coach at schema `version` left it: migrations 1..version applied."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT "
                 "NULL, applied_at TEXT NOT NULL)")
    for number, name, sql in MIGRATIONS[:version]:
        conn.executescript(sql)
        conn.execute("INSERT INTO schema_migrations VALUES (?, ?, '2026-01-01T00:00:00+00:00')",
                     (number, name))
    conn.commit()
    conn.close()


def _tables(conn: sqlite3.Connection) -> dict[str, list[tuple[Any, ...]]]:
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND "
        "name != 'schema_migrations' ORDER BY name")]
    return {n: list(conn.execute(f"PRAGMA table_info({n})")) for n in names}


def _value(table: str, column: str, decl: str, i: int) -> Any:
    if column == "session_id" or (table == "sessions" and column == "id"):
        return f"session-{i}"
    if column in JSON_TEXT:
        return JSON_TEXT[column]
    if table == "turns" and column == "state":
        return "graded"  # a turn's state is one the engine knows, or the turn does not load
    if column in ("position", "hints_used", "skipped", "reviews"):
        return i
    if "INT" in decl.upper():
        return 10 + i
    if "REAL" in decl.upper():
        return 2.5 + i
    return f"2026-01-0{i + 1}T00:00:00+00:00" if column.endswith(("_at", "due")) else \
        f"{table}.{column}.{i}"


def fill(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Two rows in every table, built from the columns that exist at this version."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys=ON")
    written: dict[str, list[dict[str, Any]]] = {}
    order = sorted(_tables(conn), key=lambda t: t != "sessions")  # parents first
    for table in order:
        cols = [c for c in _tables(conn)[table] if not (c[5] and "INT" in c[2].upper()
                                                          and c[1] == "id")]
        for i in range(2):
            row = {c[1]: _value(table, c[1], c[2], i) for c in cols}
            conn.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES "
                         f"({', '.join('?' * len(row))})", tuple(row.values()))
            written.setdefault(table, []).append(row)
    conn.commit()
    conn.close()
    return written


def latest_schema(tmp: Path) -> dict[str, list[tuple[Any, ...]]]:
    db = Database(tmp / "fresh.db")
    schema = _tables(db.conn)
    db.close()
    return schema


@pytest.mark.parametrize("version", range(LATEST + 1))
def test_open_upgrades_from_every_version_and_keeps_the_data(tmp_path: Path,
                                                             version: int) -> None:
    path = tmp_path / "coach.db"
    build_at(path, version)
    written = fill(path) if version else {}
    db = Database(path)
    try:
        assert db.schema_version() == LATEST
        assert _tables(db.conn) == latest_schema(tmp_path)
        for table, rows in written.items():
            for row in rows:
                where = " AND ".join(f"{k} IS ?" for k in row)
                found = db.query(f"SELECT COUNT(*) AS n FROM {table} WHERE {where}",
                                 tuple(row.values()))
                assert found[0]["n"] == 1, f"{table} row lost or changed: {row}"
        if version:
            from coach.grading.models import Grade
            from coach.storage.repo import Repository

            session = Repository(db, grade=Grade).session("session-1")
            assert session.role == "sessions.role.1"
            assert [t.position for t in session.turns] == [1]
    finally:
        db.close()
    if 0 < version < LATEST:
        backup = tmp_path / f"coach.db.bak-v{version}"
        conn = sqlite3.connect(backup)
        assert conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0] == version
        assert conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 2
        conn.close()


def test_a_failing_migration_changes_nothing(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "coach.db"
    build_at(path, LATEST)
    written = fill(path)
    broken = [*MIGRATIONS, (LATEST + 1, "m999_broken",
                            "ALTER TABLE sessions ADD COLUMN extra TEXT; SELECT * FROM nowhere")]
    monkeypatch.setattr(migrations, "MIGRATIONS", broken)
    monkeypatch.setattr("coach.storage.db.MIGRATIONS", broken)
    monkeypatch.setattr("coach.storage.db.LATEST", LATEST + 1)
    with pytest.raises(StorageError, match="no such table: nowhere"):
        Database(path)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0] == LATEST
    columns = [r[1] for r in conn.execute("PRAGMA table_info(sessions)")]
    assert "extra" not in columns
    assert conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == len(
        written["sessions"])
    conn.close()


def test_a_database_from_a_newer_coach_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "coach.db"
    build_at(path, LATEST)
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_migrations VALUES (?, 'm_future', 'x')", (LATEST + 1,))
    conn.commit()
    conn.close()
    with pytest.raises(StorageError, match="upgrade coach"):
        Database(path)
