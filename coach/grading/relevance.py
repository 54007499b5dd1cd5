"""Does a behavioral story answer the question asked, or a different one?

A complete STAR story earns most of a behavioral grade from its structure, so a good story
about something else (a failed launch told for "a conflict with a colleague") used to score
high. Absolute similarity cannot tell: every ML story shares most of its vocabulary. What
can is the comparison with the other behavioral questions of the bank: the story's fit to
the question asked (its prompt, competencies, STAR expectations and key points) is
standardised against its fit to every other behavioral question. A story that fits this
question no better than the typical other question is not an answer to it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from coach.embeddings import Embedder
from coach.grading.rubric import Rubric
from coach.grading.text import content_stems

if TYPE_CHECKING:
    from coach.knowledge.loader import KnowledgeBase

STAR_PARTS = ("situation", "task", "action", "result")
# Fewer other questions than this and a z-score means little: the check is skipped.
MIN_CONTRAST = 8


def reference_texts(rubric: Rubric) -> list[str]:
    """What the story is compared with by meaning: the prompt and the four STAR expectations."""
    texts = [rubric.prompt]
    if rubric.star is not None:
        texts += [getattr(rubric.star, part).expect for part in STAR_PARTS]
    return texts


def rubric_words(rubric: Rubric) -> frozenset[str]:
    """Content stems of everything the rubric says the story should be about."""
    parts = [*reference_texts(rubric), " ".join(rubric.competencies),
             *(p.text for p in rubric.points)]
    return frozenset(content_stems(" ".join(parts)))


@dataclass(frozen=True)
class _Profile:
    question_id: str
    prompt: str
    vectors: np.ndarray
    stems: frozenset[str]


@dataclass(frozen=True)
class StoryFit:
    z: float
    """Fit to the question asked, in standard deviations above its fit to the others."""
    closest_prompt: str
    """The other behavioral question the story fits best."""
    margin: float
    """z minus the closest other question's z: negative when another question fits better."""


class StoryRelevance:
    """Scores a story's fit to a behavioral question against the other behavioral questions."""

    def __init__(self, embedder: Embedder,
                 contrast: Callable[[], Sequence[Rubric]] | Sequence[Rubric]) -> None:
        self.embedder = embedder
        self._contrast = contrast
        self._profiles: list[_Profile] | None = None
        self._idf: dict[str, float] = {}

    def _profile(self, rubric: Rubric) -> _Profile:
        vecs = self.embedder.encode(reference_texts(rubric), persist=True)
        return _Profile(rubric.question_id, rubric.prompt, vecs, rubric_words(rubric))

    def profiles(self) -> list[_Profile]:
        if self._profiles is None:
            rubrics = self._contrast() if callable(self._contrast) else self._contrast
            rubrics = [r for r in rubrics if r.kind == "behavioral" and r.star is not None]
            texts = [t for r in rubrics for t in reference_texts(r)]
            if texts:  # one call for the whole bank
                self.embedder.encode(list(dict.fromkeys(texts)), persist=True)
            self._profiles = [self._profile(r) for r in rubrics]
            df: dict[str, int] = {}
            for p in self._profiles:
                for s in p.stems:
                    df[s] = df.get(s, 0) + 1
            n = len(self._profiles)
            self._idf = {s: math.log((n + 1) / (c + 1)) for s, c in df.items()}
        return self._profiles

    def fit(self, rubric: Rubric, unit_vectors: np.ndarray, answer: str) -> StoryFit | None:
        """How well the story fits `rubric` compared with the other behavioral questions."""
        profiles = self.profiles()
        pool = [p for p in profiles if p.question_id != rubric.question_id]
        if len(pool) < MIN_CONTRAST or not len(unit_vectors):
            return None
        unseen = math.log(len(profiles) + 1)
        stems = set(content_stems(answer))
        own = [p for p in profiles if p.question_id == rubric.question_id]  # built already
        candidates = [own[0] if own else self._profile(rubric), *pool]
        emb = np.array([float((unit_vectors @ p.vectors.T).max(axis=0).mean())
                        for p in candidates])
        lex = np.array([
            sum(self._idf.get(s, unseen) for s in p.stems & stems)
            / max(1e-9, sum(self._idf.get(s, unseen) for s in p.stems))
            for p in candidates])
        z = _standard(emb) + _standard(lex)
        best = 1 + int(np.argmax(z[1:]))
        return StoryFit(z=round(float(z[0]), 4), closest_prompt=candidates[best].prompt,
                        margin=round(float(z[0] - z[best]), 4))


def _standard(x: np.ndarray) -> np.ndarray:
    sd = float(x.std())
    return (x - x.mean()) / sd if sd > 1e-9 else np.zeros_like(x)


def behavioral_rubrics(kb: KnowledgeBase) -> list[Rubric]:
    """The behavioral questions of a loaded knowledge base, as rubrics, in id order."""
    from coach.grading.rubric import rubric_for

    return [rubric_for(bq.question) for _, bq in sorted(kb.questions.items())
            if bq.kind == "behavioral"]
