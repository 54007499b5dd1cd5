"""Nothing the user wrote is lost: a full disk, a held lock, a damaged file, a read-only folder.

The full disk is a real one where the machine allows it (a small tmpfs; the tests run as root
in CI), otherwise SQLite is made to run out of room with PRAGMA max_page_count.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from coach.errors import CoachError, StorageError
from coach.grading.models import Grade
from coach.interview.records import Turn
from coach.paths import Paths
from coach.services import Services, build_services
from coach.settings import load_settings
from coach.storage.db import Database
from coach.storage.repo import Repository

QUESTION = "bias-variance-tradeoff-1"
# Long enough that saving it needs fresh pages (and so fresh room on the disk).
ANSWER_LINES = [f"Line {i}: bias is the error from wrong assumptions and variance the "
                f"sensitivity to the training sample, so the two trade off ({i})."
                for i in range(250)]
ANSWER = "\n".join(ANSWER_LINES)


def mount_tmpfs(where: Path, size: str) -> bool:
    where.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                               str(where)], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path | None]:
    """A 2 MB filesystem of its own, or None where mounting is not allowed."""
    where = tmp_path / "disk"
    if not mount_tmpfs(where, "2m"):
        yield None
        return
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True, timeout=30)


def fill(folder: Path) -> Path:
    """Write until the filesystem says it is full."""
    filler = folder / "filler.bin"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    return filler


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system's temporary folder for this test (drafts go there when the data disk is full)."""
    folder = tmp_path / "system-tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def services_at(data_dir: Path, home: Path, embedder: Any, kb: Any, grader: Any) -> Services:
    paths = Paths(config_file=home / "config.toml", data_dir=data_dir)
    svc = build_services(load_settings(paths), paths)
    svc.set("embedder", embedder)
    svc.set("kb", kb)
    svc.set("grader", grader)
    return svc


def open_question(svc: Services):  # type: ignore[no-untyped-def]
    from coach.interview.session import Interview, SessionConfig

    iv = Interview.start(svc, SessionConfig(question_ids=[QUESTION], questions=1, followups=0,
                                            seed=1))
    iv.next()
    return iv


def draft_path(message: str) -> Path:
    found = re.search(r"kept as a draft in (\S+) and", message)
    assert found, message
    return Path(found.group(1))


def resume_shows_draft(svc: Services, session_id: str) -> str:
    from coach.cli.practice import run_line_mode
    from coach.interview.session import Interview

    out = io.StringIO()
    run_line_mode(Interview.resume(svc, session_id), io.StringIO("/end\n"), out)
    return out.getvalue()


# -- a full disk ----------------------------------------------------------------------------


def test_disk_full_while_saving_an_answer_keeps_it_and_says_so(
        small_disk: Path | None, coach_home: Path, elsewhere: Path, embedder: Any, kb: Any,
        grader: Any) -> None:
    from coach.cli.practice import run_line_mode

    data = small_disk if small_disk is not None else coach_home / "data"
    svc = services_at(data, coach_home, embedder, kb, grader)
    iv = open_question(svc)
    filler = None
    if small_disk is not None:
        filler = fill(small_disk)
    else:  # no mount here: SQLite itself runs out of room
        pages = svc.repo.db.conn.execute("PRAGMA page_count").fetchone()[0]
        svc.repo.db.conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(CoachError) as err:
        run_line_mode(iv, io.StringIO(ANSWER + "\n.\n"), io.StringIO())
    message = str(err.value)
    assert "\n" not in message and "Traceback" not in message
    assert "is full: free some space" in message
    assert "rollback" not in message and "move it aside" not in message
    kept = draft_path(message)
    assert kept.read_text(encoding="utf-8") == ANSWER
    if small_disk is not None:
        assert small_disk not in kept.parents, "the draft must not be on the full disk"
        assert filler is not None
        filler.unlink()
    else:
        svc.repo.db.conn.execute("PRAGMA max_page_count = 1073741823")
    shown = resume_shows_draft(svc, iv.id)
    assert "[draft]" in shown and ANSWER_LINES[0] in shown and ANSWER_LINES[-1] in shown
    svc.repo.db.close()


def test_a_full_disk_at_the_daily_backup_says_free_space(small_disk: Path | None) -> None:
    if small_disk is None:
        pytest.skip("needs a small filesystem of its own (mount -t tmpfs)")
    path = small_disk / "coach.db"
    repo = Repository(Database(path), grade=Grade)
    repo.create_session("s0", "ml-engineer", "practice", {}, {})
    repo.db.close()
    for backup in small_disk.glob("coach.db.bak-*"):
        backup.unlink()  # as on the next day: a backup is due
    fill(small_disk)
    with pytest.raises(StorageError) as err:
        Database(path)
    message = str(err.value)
    assert "is full: free some space" in message and "move it aside" not in message
    assert not [p for p in small_disk.iterdir() if p.name.endswith(".tmp")], "no half copy"


def test_a_read_only_folder_says_make_it_writable(small_disk: Path | None) -> None:
    if small_disk is None:
        pytest.skip("needs a filesystem that can be made read-only (mount)")
    path = small_disk / "coach.db"
    repo = Repository(Database(path), grade=Grade)
    repo.create_session("s0", "ml-engineer", "practice", {}, {})
    repo.db.close()
    done = subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], capture_output=True)
    assert done.returncode == 0, done.stderr
    with pytest.raises(StorageError) as err:
        Repository(Database(path), grade=Grade).create_session("s1", "ml-engineer",
                                                               "practice", {}, {})
    message = str(err.value)
    assert "is read-only: make it writable" in message and "move it aside" not in message


# -- a lock held by another program ---------------------------------------------------------


@pytest.mark.slow
def test_an_answer_blocked_by_a_lock_is_kept_as_a_draft(coach_home: Path, embedder: Any,
                                                        kb: Any, grader: Any) -> None:
    from coach.cli.practice import run_line_mode

    svc = services_at(coach_home / "data", coach_home, embedder, kb, grader)
    iv = open_question(svc)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys, time\n"
         "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
         "c.execute('BEGIN IMMEDIATE')\nprint('held', flush=True)\ntime.sleep(120)\n",
         str(svc.paths.database)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        with pytest.raises(CoachError) as err:
            run_line_mode(iv, io.StringIO(ANSWER + "\n.\n"), io.StringIO())
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    message = str(err.value)
    assert "locked by another program" in message and "close it and try again" in message
    assert waited >= 5, "the coach waits 5 s for the lock before giving up"
    assert waited < 30, "and does not wait a second time to store the draft"
    kept = draft_path(message)
    assert kept.parent == svc.paths.drafts_dir
    assert kept.read_text(encoding="utf-8") == ANSWER
    shown = resume_shows_draft(svc, iv.id)
    assert "[draft]" in shown and ANSWER_LINES[-1] in shown
    svc.repo.db.close()


# -- backups --------------------------------------------------------------------------------


def big_db(path: Path, sessions: int = 60) -> None:
    """A database whose answers fill overflow pages: most of the file is answer text."""
    repo = Repository(Database(path), grade=Grade)
    for i in range(sessions):
        repo.create_session(f"s{i}", "ml-engineer", "practice", {"questions": 1}, {})
        repo.save_turn(Turn(session_id=f"s{i}", position=0, question_id=QUESTION,
                            state="graded", score=3.0,
                            answer=f"answer {i}: " + "the model underfits. " * 1000))
    repo.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    repo.db.close()


def garbage_in_a_data_page(path: Path) -> None:
    """3 KB of random bytes inside an answer page in the middle of the file, page header and
    links intact: the damage SQLite's own quick_check cannot see."""
    raw = bytearray(path.read_bytes())
    size = 4096
    pages = len(raw) // size
    for number in range(pages // 2, pages):
        start = number * size
        if raw[start] == 0 and b"the model underfits" in raw[start + 4:start + size]:
            raw[start + 512:start + 512 + 3072] = os.urandom(3072)
            path.write_bytes(bytes(raw))
            return
    raise AssertionError("no answer page found")


def backup_on(path: Path, day: date) -> Path:
    return path.with_name(f"{path.name}.bak-{day.isoformat()}")


def quick_check(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("PRAGMA quick_check")]
    finally:
        conn.close()


@pytest.mark.slow
def test_damage_inside_the_answers_is_found_before_a_backup_copies_it(tmp_path: Path) -> None:
    path = tmp_path / "coach.db"
    big_db(path)
    assert path.stat().st_size > 1_000_000
    today = date.today()
    good = [backup_on(path, today - timedelta(days=d)) for d in range(7, 0, -1)]
    for backup in good:
        shutil.copyfile(path, backup)
    garbage_in_a_data_page(path)
    assert quick_check(path) == ["ok"], "the damage is one quick_check alone misses"
    before = path.read_bytes()
    with pytest.raises(StorageError) as err:
        Database(path)
    message = str(err.value)
    assert "damaged" in message and "left untouched" in message
    assert f"the newest sound backup is {good[-1]}" in message
    assert path.read_bytes() == before
    assert not backup_on(path, today).exists(), "a damaged file is never kept as a backup"
    assert all(b.exists() for b in good), "no good backup was pruned to make room"


@pytest.mark.slow
def test_the_error_recommends_only_a_backup_that_passes_the_check(tmp_path: Path) -> None:
    path = tmp_path / "coach.db"
    big_db(path, sessions=30)
    today = date.today()
    sound = backup_on(path, today - timedelta(days=2))
    shutil.copyfile(path, sound)
    garbage_in_a_data_page(path)
    damaged = backup_on(path, today - timedelta(days=1))
    shutil.copyfile(path, damaged)  # a copy taken after the damage (by an older coach)
    os.utime(sound, (time.time() - 2 * 86400,) * 2)
    with pytest.raises(StorageError) as err:
        Database(path)
    message = str(err.value)
    assert f"the newest sound backup is {sound}" in message
    assert f"the newer {damaged.name} is damaged too" in message
    assert f"is {damaged}" not in message
