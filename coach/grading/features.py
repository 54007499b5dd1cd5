"""Coverage features: how well a window of the answer states a reference (key point) text.

The same function computes the features when the calibration is fitted (on training data)
and when answers are graded, so the shipped coefficients always match the code.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from coach.embeddings import Embedder, WordEncoder
from coach.grading.policy import ANCHORS
from coach.grading.text import (
    STOPWORDS,
    Unit,
    clean,
    content_stems,
    has_negation,
    split_units,
    stem,
    words,
)

if TYPE_CHECKING:
    from coach.embeddings import Vectors

FEATURES = (
    "sim_max", "sim_window", "lex_novel", "lex_all", "precision", "novelty", "question_sim",
    "length_ratio", "negation", "sim_minus_question", "soft_recall", "soft_precision",
    "bigram_recall",
)
CALIBRATION_FILE = Path(__file__).with_name("calibration.json")
MAX_UNITS = 48


@dataclass
class Prepared:
    """An answer split into units, with their vectors and stems."""

    text: str
    units: list[Unit]
    vectors: Vectors
    stems: list[list[str]]
    novel_words: list[list[str]]
    truncated: bool = False
    question_stems: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Coverage:
    probability: float
    features: tuple[float, ...]
    start_unit: int
    end_unit: int  # inclusive


class Calibration:
    """A logistic model over standardised features, loaded from a JSON file."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.mean = np.array(data["mean"], dtype=np.float64)
        self.scale = np.array(data["scale"], dtype=np.float64)
        self.coef = np.array(data["coef"], dtype=np.float64)
        self.intercept = float(data["intercept"])
        self.curve: list[list[float]] = data.get("score_curve", [[0.0, 0.0], [1.0, 1.0]])
        if list(data["features"]) != list(FEATURES):
            raise ValueError("calibration features do not match this version of the grader")

    @classmethod
    def load(cls, path: Path = CALIBRATION_FILE) -> Calibration:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def probability(self, feats: np.ndarray) -> float:
        z = float(((feats - self.mean) / self.scale) @ self.coef + self.intercept)
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))

    def to_score(self, fraction: float) -> float:
        """Map weighted coverage (0..1) to the 0..1 score scale by the fitted curve."""
        xs = [p[0] for p in self.curve]
        ys = [p[1] for p in self.curve]
        return float(np.interp(fraction, xs, ys))


def _anchors(prep: Prepared, sims: np.ndarray, ref_stems: set[str], count: int) -> list[int]:
    """Units a reference's evidence window may be centred on: the `count` units most similar
    to it and, with more than one, the unit sharing most of its words. A point stated across
    a paragraph often peaks in a sentence next to a merely related one, so one anchor is not
    enough for key points."""
    order = [int(i) for i in np.argsort(-sims, kind="stable")[:count]]
    if count == 1:
        return order
    overlap = [len(ref_stems & set(st)) for st in prep.stems]
    lexical = int(np.argmax(overlap))
    if overlap[lexical] and lexical not in order:
        order.append(lexical)
    return order


class FeatureExtractor:
    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self.words: WordEncoder = embedder.word_vectors()

    def unit_texts(self, answer: str, question: str) -> tuple[list[Unit], bool]:
        units = split_units(answer)
        truncated = False
        if len(units) > MAX_UNITS:
            # Huge pastes: keep the units that share most words with the question, in order.
            q = set(content_stems(question))
            ranked = sorted(range(len(units)),
                            key=lambda i: -len(q & set(content_stems(units[i].text))))
            keep = sorted(ranked[:MAX_UNITS])
            units = [units[i] for i in keep]
            truncated = True
        return units, truncated

    def prepare(self, answer: str, question: str, *, units: list[Unit] | None = None,
                truncated: bool = False) -> Prepared:
        """Embed and stem the answer's units (split here unless the caller already did)."""
        if units is None:
            units, truncated = self.unit_texts(answer, question)
        texts = [clean(u.text)[:1000] for u in units]
        vectors = self.embedder.encode([*texts, clean(question)])
        q_stems = set(content_stems(question))
        stems = [content_stems(t) for t in texts]
        novel = [[w for w in words(t) if w not in STOPWORDS and stem(w) not in q_stems]
                 for t in texts]
        return Prepared(answer, units, vectors[: len(units)], stems, novel, truncated, q_stems)

    def coverage(self, prep: Prepared, refs: list[str], question: str,
                 calibration: Calibration, *, anchors: int = ANCHORS) -> Coverage | None:
        """The best window of up to three units for the references, and its probability."""
        found = self.best_features(prep, refs, question, anchors=anchors)
        if found is None:
            return None
        feats, lo, hi = found
        return Coverage(calibration.probability(np.array(feats)), tuple(feats), lo, hi)

    def best_features(self, prep: Prepared, refs: list[str], question: str, *,
                      anchors: int = ANCHORS) -> tuple[list[float], int, int] | None:
        """Features of the best-matching window over all references (chosen without labels),
        searched around the `anchors` units most similar to each reference."""
        if not prep.units:
            return None
        ref_vecs = self.embedder.encode(refs)
        qvec = self.embedder.encode([clean(question)])[0]
        best: tuple[list[float], int, int] | None = None
        for r, ref in enumerate(refs):
            rvec = ref_vecs[r]
            ref_stems = content_stems(ref)
            sims = prep.vectors @ rvec
            lo, hi = self._window(prep, rvec, _anchors(prep, sims, set(ref_stems), anchors),
                                  set(ref_stems))
            feats = self._features(prep, lo, hi, rvec, ref, ref_stems, qvec, sims)
            if best is None or feats[0] + feats[2] > best[0][0] + best[0][2]:
                best = (feats, lo, hi)
        return best

    def _window(self, prep: Prepared, rvec: np.ndarray, anchors: list[int],
                ref_stems: set[str]) -> tuple[int, int]:
        """The window of 1-3 units around one of the anchors that best matches the reference
        (window similarity plus the share of the reference's words it contains)."""
        n = len(prep.units)
        best = (anchors[0], anchors[0])
        best_val = -1e9
        spans = {(i + a, i + b) for i in anchors
                 for a, b in ((0, 0), (-1, 0), (0, 1), (-1, 1), (-2, 0), (0, 2))}
        for lo, hi in sorted(spans):
            if lo < 0 or hi >= n:
                continue
            vec = prep.vectors[lo: hi + 1].mean(axis=0)
            vec = vec / (np.linalg.norm(vec) + 1e-9)
            stems = {s for k in range(lo, hi + 1) for s in prep.stems[k]}
            lex = len(ref_stems & stems) / max(1, len(ref_stems))
            val = float(vec @ rvec) + lex
            if val > best_val:
                best, best_val = (lo, hi), val
        return best

    def _features(self, prep: Prepared, lo: int, hi: int, rvec: np.ndarray, ref: str,
                  ref_stems: list[str], qvec: np.ndarray, sims: np.ndarray) -> list[float]:
        vec = prep.vectors[lo: hi + 1].mean(axis=0)
        vec = vec / (np.linalg.norm(vec) + 1e-9)
        win_stems = [s for k in range(lo, hi + 1) for s in prep.stems[k]]
        wset = set(win_stems)
        rset = set(ref_stems)
        rnovel = rset - prep.question_stems or rset
        sim_max = float(sims[lo: hi + 1].max())
        sim_window = float(vec @ rvec)
        lex_novel = len(rnovel & wset) / max(1, len(rnovel))
        lex_all = len(rset & wset) / max(1, len(rset))
        precision = len(wset & rset) / max(1, len(wset))
        novelty = len(wset - prep.question_stems) / max(1, len(wset))
        question_sim = float(vec @ qvec)
        length_ratio = math.log((len(win_stems) + 1) / (len(ref_stems) + 1))
        negation = float(any(has_negation(prep.units[k].text) for k in range(lo, hi + 1)))
        win_words = [w for k in range(lo, hi + 1) for w in prep.novel_words[k]]
        ref_words = [w for w in words(ref) if w not in STOPWORDS
                     and stem(w) not in prep.question_stems]
        if win_words and ref_words:
            sim = self.words.vectors(ref_words) @ self.words.vectors(win_words).T
            soft_recall = float(sim.max(axis=1).mean())
            soft_precision = float(sim.max(axis=0).mean())
        else:
            soft_recall = soft_precision = 0.0
        rb = set(zip(ref_stems, ref_stems[1:], strict=False))
        wb = set(zip(win_stems, win_stems[1:], strict=False))
        bigram = len(rb & wb) / max(1, len(rb))
        return [sim_max, sim_window, lex_novel, lex_all, precision, novelty, question_sim,
                length_ratio, negation, sim_max - question_sim, soft_recall, soft_precision,
                bigram]
