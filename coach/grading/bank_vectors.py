"""The rubric vectors of the question bank, built with the bank and shipped beside it.

Every rubric text the grader embeds whatever the answer (prompts, key points and their
parts, misconceptions, model answers, STAR expectations) is embedded once, when the bank
changes, into `<knowledge>/rubric-vectors.npz` (float16, keyed by a hash of each text). The
grader reads it on its first grade, so a fresh install grades its first batch as fast as
a machine that has graded every question before. `coach knowledge check` reports a file
that no longer matches the bank; `coach knowledge build-vectors` rebuilds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from coach.embeddings import BANK_VECTORS_FILE, MODEL_NAME, BankVectors, bank_digest, text_key

if TYPE_CHECKING:
    from coach.embeddings import Embedder
    from coach.knowledge.loader import KnowledgeBase

BUILD_COMMAND = "coach knowledge build-vectors"


def vectors_path(root: Path) -> Path:
    return root / BANK_VECTORS_FILE


def bank_texts(kb: KnowledgeBase) -> list[str]:
    """The rubric texts of every question of the bank, each once, in question-id order."""
    from coach.grading.grader import rubric_texts
    from coach.grading.rubric import rubric_for

    texts: list[str] = []
    for _, bq in sorted(kb.questions.items()):
        texts += rubric_texts(rubric_for(bq.question))
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


def build(kb: KnowledgeBase, root: Path, embedder: Embedder) -> BuildResult:
    """Write the bank's rubric vectors; texts already in the file keep their vector, so a
    change to one question embeds only its texts."""
    path = vectors_path(root)
    texts = bank_texts(kb)
    keys = [text_key(t) for t in texts]
    previous = BankVectors(path, embedder.fingerprint)
    kept = previous.get_many(keys) if path.exists() else {}
    todo = [t for t, k in zip(texts, keys, strict=True) if k not in kept]
    vectors = dict(kept)
    if todo:
        vecs = embedder.encode_uncached(todo)
        vectors.update({text_key(t): v for t, v in zip(todo, vecs, strict=True)})
    dropped = len(previous) - len(kept) if path.exists() else 0
    BankVectors.write(path, vectors, embedder.fingerprint)
    return BuildResult(path, len(keys), len(todo), dropped, path.stat().st_size)


def vectors_problem(kb: KnowledgeBase, root: Path, model: str = MODEL_NAME) -> str | None:
    """One line when the shipped vectors do not match the bank (missing, stale, unreadable,
    or built with another model), naming the command that rebuilds them; None when current."""
    path = vectors_path(root)
    if not kb.questions:
        return None
    fix = f"run '{BUILD_COMMAND}' (first grades embed their rubrics until then)"
    if not path.exists():
        return f"{path}: the bank's rubric vectors are missing — {fix}"
    stored = BankVectors.stored_digest(path)
    if stored is None:
        return f"{path}: the bank's rubric vectors cannot be read — {fix}"
    if stored[0] != model:
        return (f"{path}: the bank's rubric vectors were built with {stored[0]}, the grader "
                f"uses {model} — {fix}")
    keys = {text_key(t) for t in bank_texts(kb)}
    if stored[1] == bank_digest(list(keys), model):
        return None
    have = BankVectors(path, model).keys()
    missing, unused = len(keys - have), len(have - keys)
    return (f"{path}: the bank's rubric vectors are stale ({missing} text(s) of the bank "
            f"not in the file, {unused} no longer used) — {fix}")
