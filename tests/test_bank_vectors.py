"""The bank's rubric vectors ship with the knowledge, match it, and never serve a stale text."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from cli_support import run_cli

from coach.embeddings import MODEL_NAME, BankVectors, MiniLMEmbedder, text_key
from coach.grading.bank_vectors import bank_texts, build, vectors_path, vectors_problem
from coach.grading.grader import Grader
from coach.grading.rubric import rubric_for
from coach.knowledge.loader import load_knowledge
from coach.paths import REPO_ROOT, knowledge_dir

NOTE = """---
id: tiny
title: A tiny note for the vector tests
track: fundamentals
topics: [bias-variance-tradeoff]
roles: [ml-engineer]
difficulty: easy
related: []
---

# A tiny note

## The idea
A short body the loader accepts.
"""

BANK = """questions:
  - id: tiny-1
    kind: technical
    prompt: Why does a model with more parameters not always generalise better?
    difficulty: easy
    roles: [ml-engineer]
    key_points:
      - id: variance
        text: Extra capacity lets the model fit noise in the training data.
        probe: What can the extra capacity latch onto?
      - id: validation
        text: Held-out data shows whether the added capacity pays off.
        probe: How would you find out whether it helped?
      - id: regularise
        text: Penalising large weights trades a little bias for less variance.
        probe: How could you keep the capacity but rein it in?
    model_answer: More parameters let a model memorise noise in its training set, so the
      training error falls while the error on new data can rise; a held-out set tells you
      whether the extra capacity actually helps; a weight penalty keeps it in check.
"""

OLD_POINT = "Extra capacity lets the model fit noise in the training data."
NEW_POINT = "Extra capacity lets the model memorise random quirks of the training sample."


@pytest.fixture
def kdir(tmp_path: Path) -> Path:
    root = tmp_path / "knowledge"
    (root / "fundamentals").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "knowledge" / "topics.yaml", root / "topics.yaml")
    (root / "fundamentals" / "tiny.md").write_text(NOTE)
    (root / "fundamentals" / "tiny.questions.yaml").write_text(BANK)
    return root


def _kb(root: Path):  # type: ignore[no-untyped-def]
    kb = load_knowledge(root)
    assert kb.problems == [] and list(kb.questions) == ["tiny-1"]
    return kb


def _edit_point(root: Path) -> None:
    bank = root / "fundamentals" / "tiny.questions.yaml"
    bank.write_text(bank.read_text().replace(OLD_POINT, NEW_POINT))


def _close_to_float16(stored: np.ndarray, fresh: np.ndarray) -> bool:
    """Stored equals the fresh vector up to float16 rounding (half a unit in the last place,
    2^-11 relative) plus the last-digit noise of float32 batching."""
    return bool(np.all(np.abs(stored - fresh) <= np.abs(fresh) * 2.0 ** -11 + 1e-6))


def test_the_shipped_vectors_are_current_for_the_shipped_bank(kb, embedder: MiniLMEmbedder) -> None:  # type: ignore[no-untyped-def]
    """Fails when a question was edited without 'coach knowledge build-vectors'."""
    assert vectors_problem(kb, knowledge_dir()) is None
    texts = bank_texts(kb)
    bank = BankVectors(vectors_path(knowledge_dir()))
    assert bank.keys() == {text_key(t) for t in texts}
    sample = texts[:: max(1, len(texts) // 20)]
    stored = bank.get_many([text_key(t) for t in sample])
    fresh = embedder.encode_uncached(sample)
    for text, vec in zip(sample, fresh, strict=True):
        assert _close_to_float16(stored[text_key(text)], vec), text[:80]


def test_a_fresh_process_grades_bank_questions_without_embedding_their_rubrics(kb) -> None:  # type: ignore[no-untyped-def]
    fresh = MiniLMEmbedder()
    fresh.attach_bank(BankVectors(vectors_path(knowledge_dir())))
    rubrics = [rubric_for(bq.question) for _, bq in sorted(kb.questions.items())[:25]]
    Grader(fresh, run_code=False, verifier=False).warm(rubrics)
    assert not fresh.loaded and fresh.calls == 0


def test_an_edited_text_is_embedded_not_read_from_the_old_file(
        kdir: Path, embedder: MiniLMEmbedder) -> None:
    build(_kb(kdir), kdir, embedder)
    _edit_point(kdir)
    fresh = MiniLMEmbedder()
    fresh.attach_bank(BankVectors(vectors_path(kdir)))
    unchanged = [t for t in bank_texts(_kb(kdir)) if t != NEW_POINT]
    fresh.encode(unchanged, persist=True)
    assert fresh.calls == 0  # every unchanged text came from the file
    got = fresh.encode([NEW_POINT], persist=True)[0]
    assert fresh.calls == 1
    np.testing.assert_allclose(got, embedder.encode_uncached([NEW_POINT])[0], atol=1e-5)
    old = BankVectors(vectors_path(kdir)).get_many([text_key(OLD_POINT)])[text_key(OLD_POINT)]
    assert float(got @ old) < 0.99  # the old point's vector would have been a different one


def test_vectors_built_with_another_model_are_ignored(kdir: Path, embedder: MiniLMEmbedder) -> None:
    texts = bank_texts(_kb(kdir))
    wrong = {text_key(t): np.ones(384, np.float32) / np.sqrt(384) for t in texts}
    BankVectors.write(vectors_path(kdir), wrong, model="some-other-model")
    fresh = MiniLMEmbedder()
    fresh.attach_bank(BankVectors(vectors_path(kdir)))
    got = fresh.encode(texts[:2], persist=True)
    np.testing.assert_allclose(got, embedder.encode_uncached(texts[:2]), atol=1e-5)
    assert "built with some-other-model" in str(vectors_problem(_kb(kdir), kdir))


def test_check_reports_stale_vectors_in_one_line_naming_the_fix(kdir: Path) -> None:
    env = {"COACH_KNOWLEDGE_DIR": str(kdir)}
    missing = run_cli("knowledge", "check", "--no-run-code", env=env)
    assert missing.returncode == 1 and "rubric vectors are missing" in missing.stdout

    built = run_cli("knowledge", "build-vectors", env=env)
    assert built.returncode == 0, built.stdout + built.stderr
    assert "5 rubric texts of 1 questions (5 embedded now" in built.stdout
    ok = run_cli("knowledge", "check", "--no-run-code", env=env)
    assert ok.returncode == 0 and ok.stdout.startswith("ok: "), ok.stdout

    _edit_point(kdir)
    stale = run_cli("knowledge", "check", "--no-run-code", env=env)
    assert stale.returncode == 1
    lines = [line for line in stale.stdout.splitlines() if "rubric vectors" in line]
    assert len(lines) == 1
    assert "stale (1 text(s) of the bank not in the file, 1 no longer used)" in lines[0]
    assert "coach knowledge build-vectors" in lines[0]

    rebuilt = run_cli("knowledge", "build-vectors", env=env)
    assert "(1 embedded now, 1 unused dropped)" in rebuilt.stdout
    assert run_cli("knowledge", "check", "--no-run-code", env=env).returncode == 0
    assert BankVectors(vectors_path(kdir), MODEL_NAME).keys() == {
        text_key(t) for t in bank_texts(_kb(kdir))}


def test_check_reports_missing_or_broken_model_windows_and_grading_still_works(
        kdir: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    from coach.grading.bank_vectors import ModelWindows, window_key, windows_path

    env = {"COACH_KNOWLEDGE_DIR": str(kdir)}
    result = build(_kb(kdir), kdir, embedder)
    assert result.windows == 3 and vectors_problem(_kb(kdir), kdir) is None
    rubric = rubric_for(_kb(kdir).questions["tiny-1"].question)
    shipped = ModelWindows(windows_path(kdir))
    assert all((shipped.get(window_key(rubric, p)) or "") in rubric.model_answer
               for p in rubric.points)

    windows_path(kdir).write_text("{not json")
    broken = run_cli("knowledge", "check", "--no-run-code", env=env)
    lines = [line for line in broken.stdout.splitlines() if "model-answer windows" in line]
    assert broken.returncode == 1 and len(lines) == 1
    assert "unreadable" in lines[0] and "coach knowledge build-vectors" in lines[0]
    grader = Grader(embedder, run_code=False, verifier=False)
    grader.windows = ModelWindows(windows_path(kdir))  # unreadable: found at the grade
    assert grader.model_windows(rubric) == grader.find_model_windows(rubric)

    windows_path(kdir).unlink()
    missing = run_cli("knowledge", "check", "--no-run-code", env=env)
    assert missing.returncode == 1 and "model-answer windows are missing" in missing.stdout
