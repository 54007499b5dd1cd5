"""Unsent answers kept outside the database too, so a full disk, a lock or a kill loses none.

Line mode writes the text typed so far to a small file after every line (the TUI saves to the
database every second); on a signal or when the database refuses the answer, the draft goes to
the database if it takes it and stays in the file either way. When the data folder cannot be
written either (a full disk), the file goes to the system's temporary folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from coach.errors import StorageError
from coach.storage.repo import Repository


def _fallback_dir() -> Path:
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"coach-drafts-{uid}"


def _stem(session_id: str, position: int) -> str:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", session_id)[:64]
    if safe != session_id:  # two odd ids must not share a file
        safe += "-" + hashlib.sha256(session_id.encode("utf-8", "replace")).hexdigest()[:8]
    return f"{safe}-{position}"


class Drafts:
    """Drafts by (session, position): in draft files and, when it takes them, the database."""

    def __init__(self, repo: Repository[Any], folder: Path) -> None:
        self.repo = repo
        self.folders = [folder, _fallback_dir()]

    def _files(self, session_id: str, position: int) -> list[Path]:
        name = _stem(session_id, position) + ".txt"
        return [folder / name for folder in self.folders]

    def write_file(self, session_id: str, position: int, text: str) -> Path | None:
        """Write the draft to a file (replaced atomically); where it went, or None if nowhere."""
        for path in self._files(session_id, position):
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            try:
                path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as fh:
                    fh.write(text)
                os.replace(tmp, path)
                for other in self._files(session_id, position):
                    if other != path:  # an older copy elsewhere would shadow this one
                        other.unlink(missing_ok=True)
                return path
            except OSError:
                with contextlib.suppress(OSError):
                    tmp.unlink(missing_ok=True)
        return None

    def keep(self, session_id: str, position: int, text: str, *,
             database: bool = True) -> Path | None:
        """Keep the draft: in a file, and in the database unless told not to (it is locked).

        Returns the file holding it, or None if only the database (or nothing) took it.
        """
        path = self.write_file(session_id, position, text)
        if database:
            with contextlib.suppress(StorageError):
                self.repo.save_draft(session_id, position, text)
        return path

    def load(self, session_id: str, position: int) -> str:
        """The newest draft kept for this question, from the database or a file."""
        found: list[tuple[float, str]] = []
        try:
            rows = self.repo.db.query("SELECT text, updated_at FROM drafts WHERE session_id = ? "
                                      "AND position = ?", (session_id, position))
        except StorageError:
            rows = []
        for row in rows:
            try:
                when = datetime.fromisoformat(str(row["updated_at"])).timestamp()
            except ValueError:
                when = 0.0
            found.append((when, str(row["text"])))
        for path in self._files(session_id, position):
            try:
                found.append((path.stat().st_mtime,
                              path.read_text(encoding="utf-8", errors="replace")))
            except OSError:
                continue
        found = [f for f in found if f[1].strip()]
        return max(found, key=lambda f: f[0])[1] if found else ""

    def clear(self, session_id: str, position: int) -> None:
        """Forget the draft once its answer is saved."""
        with contextlib.suppress(StorageError):
            self.repo.clear_draft(session_id, position)
        for path in self._files(session_id, position):
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
