"""The coach database: WAL mode, migrations on open, one clear error when it cannot be used."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from coach.errors import StorageError
from coach.storage.migrations import LATEST, MIGRATIONS

BACKUP_INFIX = ".bak-"
DAILY = re.compile(r"\.bak-\d{4}-\d{2}-\d{2}")
KEEP_DAILY = 7


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Database:
    """A thread-safe handle on the SQLite file (one connection, serialised writes)."""

    def __init__(self, path: Path, *, busy_timeout: float = 5.0) -> None:
        self.path = path
        self._lock = threading.RLock()
        path.parent.mkdir(parents=True, exist_ok=True)
        existed = path.exists() and path.stat().st_size > 0
        try:
            self.conn = sqlite3.connect(str(path), timeout=busy_timeout,
                                        check_same_thread=False, isolation_level=None)
        except sqlite3.DatabaseError as exc:
            raise self._error(exc) from None
        try:
            self.conn.row_factory = sqlite3.Row
            if existed:
                # Before anything could write to it: a damaged file is reported, not touched.
                self._daily_backup()
            self.conn.execute("PRAGMA foreign_keys=ON")
            mode = self.conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if mode.lower() != "wal":
                self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self._migrate(existed)
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            raise self._error(exc) from None
        except BaseException:
            self.conn.close()
            raise

    # -- backups ----------------------------------------------------------------------------

    def backups(self) -> list[Path]:
        """Backup copies beside the database, oldest first."""
        found = [p for p in self.path.parent.glob(self.path.name + BACKUP_INFIX + "*")
                 if p.is_file()]
        return sorted(found, key=lambda p: (p.stat().st_mtime, p.name))

    def _where(self) -> str:
        backups = self.backups()
        return f"; the last backup is {backups[-1]}" if backups else "; there is no backup yet"

    def _copy_to(self, target: Path) -> None:
        """A consistent copy through SQLite's backup API, renamed into place when complete."""
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            dest = sqlite3.connect(str(tmp))
            try:
                self.conn.backup(dest)
            finally:
                dest.close()
            os.replace(tmp, target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise StorageError(f"{target}: cannot write a backup of the database "
                               f"({exc.strerror}) — free some disk space or check the "
                               "folder's permissions") from None

    def _daily_backup(self) -> None:
        """Once a day: check the file is sound, then keep a dated copy (the last few days)."""
        target = self.path.with_name(
            f"{self.path.name}{BACKUP_INFIX}{datetime.now().date().isoformat()}")
        if target.exists():
            return
        problems = [str(r[0]) for r in self.conn.execute("PRAGMA quick_check").fetchall()]
        if problems != ["ok"]:
            raise StorageError(f"{self.path}: the database is damaged ({problems[0]}); the "
                               f"file was left untouched{self._where()} — move it aside (or "
                               "restore the backup) and run coach again")
        self._copy_to(target)
        daily = [p for p in self.backups() if DAILY.fullmatch(p.name[len(self.path.name):])]
        for old in sorted(daily, key=lambda p: p.name)[:-KEEP_DAILY]:
            old.unlink(missing_ok=True)

    def _error(self, exc: sqlite3.DatabaseError) -> StorageError:
        text = str(exc)
        where = self._where()
        if "locked" in text or "busy" in text:
            return StorageError(f"{self.path}: the database is locked by another program "
                                f"({text}) — close it and try again{where}")
        return StorageError(f"{self.path}: cannot use the database ({text}); the file was left "
                            f"untouched{where} — move it aside (or restore the backup) and "
                            "run coach again")

    def schema_version(self) -> int:
        row = self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name='schema_migrations'"
        ).fetchone()
        if row is None:
            return 0
        got = self.conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0]
        return int(got or 0)

    def _migrate(self, existed: bool) -> None:
        version = self.schema_version()
        if version > LATEST:
            raise StorageError(f"{self.path}: made by a newer coach (schema {version}, this "
                               f"one knows {LATEST}) — upgrade coach")
        if version == LATEST:
            return
        if existed and version > 0:
            # A copy before changing the schema, so a failed upgrade loses nothing.
            target = self.path.with_name(f"{self.path.name}{BACKUP_INFIX}v{version}")
            if target.exists():
                target = target.with_name(f"{target.name}-{now().replace(':', '')}")
            self._copy_to(target)
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                self.conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
                    " name TEXT NOT NULL, applied_at TEXT NOT NULL)"
                )
                version = self.schema_version()
                for number, name, sql in MIGRATIONS:
                    if number <= version:
                        continue
                    for statement in sql.split(";"):
                        if statement.strip():
                            self.conn.execute(statement)
                    self.conn.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)",
                                      (number, name, now()))
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.DatabaseError as exc:
                raise self._error(exc) from None
            try:
                yield self.conn
                self.conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                self.conn.execute("ROLLBACK")
                raise self._error(exc) from None
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                return list(self.conn.execute(sql, params).fetchall())
            except sqlite3.DatabaseError as exc:
                raise self._error(exc) from None

    def close(self) -> None:
        with self._lock:
            self.conn.close()


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
