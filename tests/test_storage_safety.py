"""A damaged or locked database is one clear error, never overwritten; backups; two processes."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from coach.errors import StorageError
from coach.grading.models import Grade
from coach.interview.records import Turn
from coach.storage.db import Database
from coach.storage.repo import Repository

ROOT = Path(__file__).resolve().parent.parent
COACH = [sys.executable, "-m", "coach"]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_db(path: Path, sessions: int = 3) -> None:
    repo = Repository(Database(path), grade=Grade)
    for i in range(sessions):
        repo.create_session(f"s{i}", "ml-engineer", "practice", {"questions": 1}, {})
        repo.save_turn(Turn(session_id=f"s{i}", position=0,
                            question_id="bias-variance-tradeoff-1", state="graded",
                            answer="x" * 2000, score=3.0))
    repo.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    repo.db.close()


def run_coach(home: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COACH_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([*COACH, *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def today_backup(path: Path) -> Path:
    return path.with_name(f"{path.name}.bak-{date.today().isoformat()}")


def test_a_file_that_is_not_a_database_is_one_clear_error_and_left_alone(
        coach_home: Path) -> None:
    path = coach_home / "data" / "coach.db"
    make_db(path)
    Database(path).close()  # takes today's backup
    assert today_backup(path).is_file()
    path.write_bytes(os.urandom(64 * 1024))
    before = digest(path)
    with pytest.raises(StorageError) as err:
        Database(path)
    message = str(err.value)
    assert str(path) in message and "left untouched" in message
    assert str(today_backup(path)) in message
    assert digest(path) == before
    # the command line says the same in one line, without a traceback
    result = run_coach(coach_home, "history")
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert str(today_backup(path)) in result.stderr and len(result.stderr.splitlines()) == 1
    assert digest(path) == before


def test_a_damaged_page_is_caught_by_the_daily_check_and_nothing_is_written(
        tmp_path: Path) -> None:
    path = tmp_path / "coach.db"
    make_db(path, sessions=40)
    raw = bytearray(path.read_bytes())
    page = 4096
    assert len(raw) > 6 * page
    raw[3 * page + 8: 3 * page + 400] = os.urandom(392)  # inside a b-tree page, header intact
    path.write_bytes(bytes(raw))
    before = digest(path)
    with pytest.raises(StorageError, match=r"damaged|malformed|cannot use") as err:
        Database(path)
    assert "there is no backup yet" in str(err.value) or ".bak-" in str(err.value)
    assert digest(path) == before
    assert not today_backup(path).exists(), "a damaged file is not kept as a backup"


def test_a_locked_database_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "coach.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("BEGIN EXCLUSIVE")  # another program holding the file (rollback journal)
    before = digest(path)
    try:
        with pytest.raises(StorageError, match="locked by another program") as err:
            Database(path, busy_timeout=0.2)
        assert "close it and try again" in str(err.value)
    finally:
        conn.execute("ROLLBACK")
        conn.close()
    assert digest(path) == before


def test_a_write_blocked_by_another_writer_is_a_clear_error_and_keeps_data(
        tmp_path: Path) -> None:
    path = tmp_path / "coach.db"
    make_db(path)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    db = Database(path, busy_timeout=0.2)
    repo = Repository(db, grade=Grade)
    asked = Turn(session_id="s0", position=1, question_id="q", state="asking")
    try:
        with pytest.raises(StorageError, match="locked"):
            repo.save_turn(asked)
        other.execute("ROLLBACK")
        repo.save_turn(asked)  # works once free
        assert len(repo.session("s0").turns) == 2
    finally:
        db.close()
        other.close()


def test_daily_backup_is_taken_once_a_day_and_only_the_last_week_is_kept(
        tmp_path: Path) -> None:
    path = tmp_path / "coach.db"
    make_db(path)
    for days in range(1, 10):
        old = path.with_name(f"coach.db.bak-{(date.today() - timedelta(days=days)).isoformat()}")
        old.write_bytes(b"old")
    (tmp_path / "coach.db.bak-v1").write_bytes(b"pre-migration")
    Database(path).close()
    backup = today_backup(path)
    conn = sqlite3.connect(backup)
    assert conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 3
    conn.close()
    stamp = backup.stat().st_mtime_ns
    Database(path).close()
    assert backup.stat().st_mtime_ns == stamp, "one backup a day, not one per open"
    daily = sorted(p.name for p in tmp_path.glob("coach.db.bak-2*"))
    assert len(daily) == 7 and daily[-1] == backup.name
    assert (tmp_path / "coach.db.bak-v1").read_bytes() == b"pre-migration"


WRITER = r"""
import json, sys, time
from pathlib import Path
from coach.storage.db import Database
from coach.grading.models import Grade
from coach.interview.records import Turn
from coach.storage.repo import Repository

repo = Repository(Database(Path(sys.argv[1])), grade=Grade)
grade = json.loads(sys.argv[2])
stop = Path(sys.argv[3])
repo.create_session("live", "ml-engineer", "practice", {"questions": 500}, {})
written = 0
deadline = time.monotonic() + 120
while not stop.exists() and time.monotonic() < deadline:
    repo.save_turn(Turn(session_id="live", position=written, question_id=grade["question_id"],
                        state="graded", answer=f"answer {written}", grade=grade,
                        score=grade["score"], topics=["bias-variance-tradeoff"]))
    written += 1
    if written == 1:
        print("ready", flush=True)
    with repo.db.transaction() as c:  # hold the write lock a while, as a slow grade would
        c.execute("UPDATE sessions SET updated_at = updated_at WHERE id = 'live'")
        time.sleep(0.2)
print(written, flush=True)
"""


def test_report_and_history_run_while_another_process_writes(coach_home: Path) -> None:
    path = coach_home / "data" / "coach.db"
    make_db(path, sessions=1)
    grade = Grade(question_id="bias-variance-tradeoff-1", kind="technical", score=3.0,
                  level="good").model_dump(mode="json")
    stop = coach_home / "stop"
    env = {**os.environ, "COACH_HOME": str(coach_home)}
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path), json.dumps(grade),
                               str(stop)], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "ready"
        out = coach_home / "live.json"
        report = run_coach(coach_home, "report", "live", "--format", "json", "-o", str(out))
        history = run_coach(coach_home, "history", "--json")
        time.sleep(0.5)
    finally:
        stop.touch()
        stdout, stderr = writer.communicate(timeout=60)
    assert writer.returncode == 0, stderr
    assert report.returncode == 0, report.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["session"]["id"] == "live" and len(data["questions"]) >= 1
    assert all(q["score"] == 3.0 for q in data["questions"])
    assert history.returncode == 0, history.stderr
    assert "live" in [row["id"] for row in json.loads(history.stdout)]
    written = int(stdout.split()[-1])
    check = Database(path)
    try:
        turns = Repository(check, grade=Grade).session("live").turns
        assert len(turns) == written > len(data["questions"])
        assert check.query("PRAGMA integrity_check")[0][0] == "ok"
    finally:
        check.close()
