"""The coach database: WAL mode, migrations on open, one clear error when it cannot be used."""

from __future__ import annotations

import errno
import json
import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from coach.errors import StorageError
from coach.storage.migrations import LATEST, MIGRATIONS

BACKUP_INFIX = ".bak-"
DAILY = re.compile(r"\.bak-\d{4}-\d{2}-\d{2}")
KEEP_DAILY = 7
# Columns that hold JSON, per table: the daily check parses them, so damage inside a row's
# text (which PRAGMA quick_check cannot see) is found before a backup copies it.
JSON_COLUMNS = {"sessions": ("config", "plan", "summary"),
                "turns": ("followups", "grade", "topics"),
                "review_state": ("card",)}


def check_file(path: Path) -> str | None:
    """None if the SQLite file at path is sound, else what is wrong (opened read-only)."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return check_connection(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return str(exc)


def check_connection(conn: sqlite3.Connection) -> str | None:
    """None if the database is sound, else the first problem found.

    `PRAGMA quick_check` checks the pages' structure; then every row is read, so text that is
    no longer UTF-8 and JSON that no longer parses (garbage inside a row) are found too.
    """
    try:
        problems = [str(r[0]) for r in conn.execute("PRAGMA quick_check").fetchall()]
        if problems != ["ok"]:
            return problems[0]
        tables = [str(r[0]) for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        for table in tables:
            cursor = conn.execute(f'SELECT * FROM "{table}"')
            names = [d[0] for d in cursor.description]
            wanted = [names.index(c) for c in JSON_COLUMNS.get(table, ()) if c in names]
            for row in cursor:
                for i in wanted:
                    if isinstance(row[i], str):
                        try:
                            json.loads(row[i])
                        except ValueError:
                            return f"table {table}: column {names[i]} no longer holds JSON"
    except sqlite3.DatabaseError as exc:
        if _OPERATIONAL.search(str(exc)):
            raise  # the file could not be read now, which says nothing of its health
        return str(exc)
    return None


_OPERATIONAL = re.compile(r"unable to open|locked|busy|readonly|read-only|full|disk I/O")


def _no_space(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    return "full" in str(exc)


def _read_only(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM)
    return "readonly" in str(exc) or "read-only" in str(exc)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Database:
    """A thread-safe handle on the SQLite file (one connection, serialised writes)."""

    def __init__(self, path: Path, *, busy_timeout: float = 5.0) -> None:
        self.path = path
        self._lock = threading.RLock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            existed = path.exists() and path.stat().st_size > 0
        except OSError as exc:
            raise self._os_error(exc, path.parent) from None
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
        """Which backup to restore: the newest one that passes the check, never a damaged one."""
        backups = self.backups()
        if not backups:
            return "; there is no backup yet"
        damaged: list[Path] = []
        for backup in reversed(backups):
            if check_file(backup) is None:
                newer = (f" (the newer {', '.join(p.name for p in damaged)} "
                         f"{'is' if len(damaged) == 1 else 'are'} damaged too)" if damaged else "")
                return f"; the newest sound backup is {backup}{newer}"
            damaged.append(backup)
        return f"; no backup passes the check ({len(backups)} damaged, newest {backups[-1]})"

    def _copy_to(self, target: Path) -> None:
        """A consistent copy through SQLite's backup API, renamed into place when complete."""
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            dest = sqlite3.connect(str(tmp))
            try:
                self.conn.backup(dest)
            finally:
                dest.close()
            problem = check_file(tmp)
            if problem is not None:
                # A copy that does not read back is never kept: the older backups stay.
                raise StorageError(f"{target}: the backup copy does not read back ({problem})"
                                   "; the earlier backups are kept — check the disk")
            os.replace(tmp, target)
        except (OSError, sqlite3.DatabaseError) as exc:
            text = exc.strerror if isinstance(exc, OSError) else str(exc)
            raise StorageError(f"{target}: cannot write a backup of the database ({text}) — "
                               + self._advice(exc, target.parent)) from None
        finally:
            with suppress(OSError):
                tmp.unlink(missing_ok=True)

    def _daily_backup(self) -> None:
        """Once a day: check the file is sound, then keep a dated copy (the last few days)."""
        target = self.path.with_name(
            f"{self.path.name}{BACKUP_INFIX}{datetime.now().date().isoformat()}")
        if target.exists():
            return
        problem = check_connection(self.conn)
        if problem is not None:
            raise StorageError(f"{self.path}: the database is damaged ({problem}); the "
                               f"file was left untouched{self._where()} — move it aside (or "
                               "restore that backup) and run coach again")
        self._copy_to(target)
        daily = [p for p in self.backups() if DAILY.fullmatch(p.name[len(self.path.name):])]
        for old in sorted(daily, key=lambda p: p.name)[:-KEEP_DAILY]:
            old.unlink(missing_ok=True)

    def _advice(self, exc: BaseException, folder: Path) -> str:
        """What to do about a failed write, from its cause."""
        if _no_space(exc) or _disk_full(folder):
            return f"the disk holding {folder} is full: free some space and try again"
        if _read_only(exc) or not os.access(folder, os.W_OK):
            return (f"{folder} is read-only: make it writable (or set COACH_HOME to a folder "
                    "you can write to) and try again")
        return "check the disk and the folder's permissions, then try again"

    def _os_error(self, exc: OSError, folder: Path) -> StorageError:
        if exc.errno in (errno.ENOTDIR, errno.EEXIST):
            return StorageError(f"{folder}: a file is in the way of the data folder — point "
                                "COACH_HOME (or COACH_DATA_DIR) at a folder")
        return StorageError(f"{folder}: cannot create the data folder ({exc.strerror}) — "
                            + self._advice(exc, folder.parent))

    def _error(self, exc: sqlite3.DatabaseError) -> StorageError:
        text = str(exc)
        if "locked" in text or "busy" in text:
            return StorageError(f"{self.path}: the database is locked by another program "
                                f"({text}) — close it and try again")
        folder = self.path.parent
        # A full or read-only disk often surfaces as an I/O or open error (the WAL's files).
        io_like = "disk I/O" in text or "unable to open" in text
        if _no_space(exc) or _read_only(exc) or (
                io_like and (_disk_full(folder) or not os.access(folder, os.W_OK))):
            return StorageError(f"{self.path}: cannot write ({text}) — "
                                + self._advice(exc, folder))
        return StorageError(f"{self.path}: cannot use the database ({text}); the file was left "
                            f"untouched{self._where()} — move it aside (or restore that backup) "
                            "and run coach again")

    def _rollback(self) -> None:
        # SQLite has already rolled back after some errors (a full disk): a second ROLLBACK
        # would fail and hide the real cause.
        if self.conn.in_transaction:
            with suppress(sqlite3.DatabaseError):
                self.conn.execute("ROLLBACK")

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
                self._rollback()
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
                self._rollback()
                raise self._error(exc) from None
            except BaseException:
                self._rollback()
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


def _disk_full(folder: Path) -> bool:
    """Less than a page or two left where the database lives."""
    try:
        st = os.statvfs(folder)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < 64 * 1024


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
