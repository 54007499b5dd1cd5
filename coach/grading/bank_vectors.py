"""The rubric vectors of the question bank, built with the bank and shipped beside it.

Every rubric text the grader embeds whatever the answer (prompts, key points and their
parts, misconceptions, model answers, STAR expectations) is embedded once, when the bank
changes, into `<knowledge>/rubric-vectors.npz` (float16, keyed by a hash of each text). The
grader reads it on its first grade, so a fresh install grades its first batch as fast as
a machine that has graded every question before. `coach knowledge check` reports a file
that no longer matches the bank; `coach knowledge build-vectors` rebuilds it.

Beside it, `<knowledge>/model-windows.json` holds, for every key point, the words of the
model answer that state it (shown next to a point the grader could not verify). Finding
them means embedding the whole model answer, which cost more than the rest of a warm grade
together; like the vectors, they depend only on the bank and the embedding model.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from coach.embeddings import (
    BANK_VECTORS_FILE,
    MODEL_NAME,
    bank_digest,
    refresh_vector_file,
    text_key,
    vector_file_problem,
)

if TYPE_CHECKING:
    from coach.embeddings import Embedder
    from coach.grading.rubric import Rubric, RubricPoint
    from coach.knowledge.loader import KnowledgeBase

log = logging.getLogger(__name__)

BUILD_COMMAND = "coach knowledge build-vectors"
WINDOWS_FILE = "model-windows.json"


def vectors_path(root: Path) -> Path:
    return root / BANK_VECTORS_FILE


def windows_path(root: Path) -> Path:
    return root / WINDOWS_FILE


def window_key(rubric: Rubric, point: RubricPoint, model: str = MODEL_NAME) -> str:
    """What a point's model-answer window depends on: the model, the question's prompt and
    model answer, and the point's references."""
    return text_key("\x1f".join([model, rubric.prompt, rubric.model_answer,
                                  *point.references]))


class ModelWindows:
    """The shipped model-answer windows (key -> text; "" when the model answer has none),
    read on first use. A missing, unreadable or other-model file only costs the grader the
    time to find the windows itself."""

    def __init__(self, path: Path, model: str = MODEL_NAME) -> None:
        self.path = path
        self.model = model
        self._lock = threading.Lock()
        self._windows: dict[str, str] | None = None

    def _load(self) -> dict[str, str]:
        if self._windows is None:
            self._windows = {}
            stored = _read_windows(self.path)
            if stored is not None and stored[0] == self.model:
                self._windows = stored[2]
        return self._windows

    def get(self, key: str) -> str | None:
        with self._lock:
            return self._load().get(key)

    @staticmethod
    def write(path: Path, windows: dict[str, str], model: str = MODEL_NAME) -> None:
        data = {"model": model, "digest": bank_digest(list(windows), model),
                "windows": dict(sorted(windows.items()))}
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n",
                       encoding="utf-8")
        tmp.replace(path)


def _read_windows(path: Path) -> tuple[str, str, dict[str, str]] | None:
    """(model, digest, windows) of a windows file, or None when it is missing or broken."""
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        windows = data["windows"]
        if not (isinstance(windows, dict)
                and all(isinstance(v, str) for v in windows.values())):
            raise ValueError("windows is not a mapping of texts")
        return str(data["model"]), str(data["digest"]), windows
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("model windows %s: cannot read them (%s); finding them at each grade — "
                    "run '%s'", path, exc, BUILD_COMMAND)
        return None


def bank_rubrics(kb: KnowledgeBase) -> list[Rubric]:
    """The rubric of every question of the bank, in question-id order."""
    from coach.grading.rubric import rubric_for

    return [rubric_for(bq.question) for _, bq in sorted(kb.questions.items())]


def bank_windows(kb: KnowledgeBase, embedder: Embedder) -> dict[str, str]:
    """Every key point's model-answer window, found the way the grader finds it."""
    from coach.grading.grader import Grader

    grader = Grader(embedder, run_code=False, verifier=False, behavioral_contrast=())
    out: dict[str, str] = {}
    for rubric in bank_rubrics(kb):
        found = grader.find_model_windows(rubric)
        out.update({window_key(rubric, p): found.get(p.id, "") for p in rubric.points})
    return out


def bank_texts(kb: KnowledgeBase, rubrics: list[Rubric] | None = None) -> list[str]:
    """The rubric texts of every question of the bank, each once, in question-id order."""
    from coach.grading.points import rubric_texts

    texts = [t for r in (rubrics if rubrics is not None else bank_rubrics(kb))
             for t in rubric_texts(r)]
    return list(dict.fromkeys(texts))


@dataclass(frozen=True)
class BuildResult:
    path: Path
    texts: int
    embedded: int
    """Texts embedded now; the others kept their vector from the previous file."""
    dropped: int
    """Entries of the previous file no longer used by any question."""
    size_bytes: int
    windows: int = 0
    """Key points whose model-answer window was written beside the vectors."""


def build(kb: KnowledgeBase, root: Path, embedder: Embedder) -> BuildResult:
    """Write the bank's rubric vectors; texts already in the file keep their vector, so a
    change to one question embeds only its texts."""
    path = vectors_path(root)
    texts = bank_texts(kb)
    embedded, dropped = refresh_vector_file(path, texts, embedder)
    windows = bank_windows(kb, embedder)
    ModelWindows.write(windows_path(root), windows, embedder.fingerprint)
    return BuildResult(path, len(texts), embedded, dropped,
                       path.stat().st_size + windows_path(root).stat().st_size, len(windows))


def vectors_problem(kb: KnowledgeBase, root: Path, model: str = MODEL_NAME) -> str | None:
    """One line when the shipped vectors do not match the bank (missing, stale, unreadable,
    or built with another model), naming the command that rebuilds them; None when current."""
    if not kb.questions:
        return None
    rubrics = bank_rubrics(kb)
    return vector_file_problem(
        vectors_path(root), bank_texts(kb, rubrics), model, what="the bank's rubric vectors",
        user="the grader", unit="text(s) of the bank",
        fix=f"run '{BUILD_COMMAND}' (first grades embed their rubrics until then)",
    ) or _windows_problem(rubrics, root, model)


def _windows_problem(rubrics: list[Rubric], root: Path, model: str) -> str | None:
    path = windows_path(root)
    fix = f"run '{BUILD_COMMAND}' (grades find the windows themselves until then)"
    stored = _read_windows(path)
    if stored is None:
        what = "missing" if not path.exists() else "unreadable"
        return f"{path}: the model-answer windows are {what} — {fix}"
    keys = [window_key(r, p, model) for r in rubrics for p in r.points]
    if stored[0] == model and stored[1] == bank_digest(keys, model):
        return None
    return f"{path}: the model-answer windows do not match the bank — {fix}"
