"""Key points: coverage finds each point's window in the answer, the verifier reads it."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from coach.embeddings import Embedder
from coach.grading.bank_vectors import ModelWindows, window_key
from coach.grading.conflicts import conflict_features, reversed_roles
from coach.grading.directions import reversed_directions
from coach.grading.features import Calibration, FeatureExtractor
from coach.grading.models import STATUS_OF, KeyPointResult, Quote, VerifierProbs
from coach.grading.polarity import negated_point
from coach.grading.policy import DEFAULT_POLICY, ScoringPolicy
from coach.grading.reading import Answer, AnswerReader
from coach.grading.rubric import Rubric, RubricPoint
from coach.grading.siblings import borrowed_definition
from coach.grading.text import clean, content_stems
from coach.grading.verdicts import PointReading, VerdictRule
from coach.grading.verifier import Verdict3, Verifier

_PART_SEP = re.compile(r";\s+|\s+-{1,2}\s+|\s*—\s*|(?<=[.!?])\s+(?=[A-Z])")

Evidence = list[list[tuple[float, Quote | None]]]
"""Per key point, per answer: the coverage and the window found."""
Probs = dict[tuple[str, str], Verdict3]
"""The verifier's reading of (statement, window text) pairs."""


def window_text(quote: Quote) -> str:
    """The words of a window as the verifier reads them."""
    return clean(quote.text)[:600]


def point_parts(text: str, min_words: int = DEFAULT_POLICY.part_min_words) -> list[str]:
    """The separate claims of a compound key point, or [] when it is a single claim.

    Only strong separators split (semicolon, spaced dash, sentence end), and every part must
    keep `min_words` content words, so "A, B and C" stays whole.
    """
    parts = [p.strip() for p in _PART_SEP.split(text) if p and p.strip()]
    parts = [p for p in parts if len(content_stems(p)) >= min_words]
    return parts if len(parts) >= 2 else []


def rubric_texts(rubric: Rubric) -> list[str]:
    """Every text of a rubric the grader embeds, whatever the answer: for a bank question
    these are built with the bank (`coach knowledge build-vectors`)."""
    texts = [clean(rubric.prompt), rubric.prompt]
    if rubric.model_answer:
        texts.append(rubric.model_answer)
    if rubric.star is not None:
        texts += [getattr(rubric.star, part).expect
                  for part in ("situation", "task", "action", "result")]
    for p in rubric.points:
        texts.extend(p.references)
        if len(p.references) == 1:
            texts.extend(point_parts(p.references[0]))
    for m in rubric.misconceptions:
        texts += [m.claim, m.correction]
    return texts


class PointGrader:
    """A verdict, credit and quoted window for every key point of a rubric."""

    def __init__(self, embedder: Embedder, fx: FeatureExtractor, calibration: Calibration,
                 rule: VerdictRule, verifier: Verifier | None, policy: ScoringPolicy,
                 reader: AnswerReader) -> None:
        self.embedder = embedder
        self.fx = fx
        self.calibration = calibration
        self.rule = rule
        self.verifier = verifier
        self.policy = policy
        self.reader = reader
        # The bank's model-answer windows, shipped beside its vectors (set when wiring).
        self.windows: ModelWindows | None = None

    def warm(self, rubrics: Sequence[Rubric], answers: Sequence[str] = ()) -> None:
        """Embed every text a batch of grades will need in one call (batch throughput)."""
        texts = [t for rubric in rubrics for t in rubric_texts(rubric)]
        if texts:  # the same for every answer to these questions: kept across sessions
            self.embedder.encode(list(dict.fromkeys(texts)), persist=True)
        if self.verifier is not None:
            self.verifier.load()
        unit_texts: list[str] = []
        for answer in answers:
            units, _ = self.reader.units(answer[:self.policy.max_chars], "")
            unit_texts.extend(clean(u.text)[:1000] for u in units)
        if unit_texts:
            self.embedder.encode(list(dict.fromkeys(unit_texts)))

    def cover(self, ans: Answer, refs: list[str], rubric: Rubric, *,
              anchors: int | None = None) -> tuple[float, Quote | None]:
        """The probability that the answer states `refs`, and the window that does."""
        if ans.prepared is None:
            return 0.0, None
        cov = self.fx.coverage(ans.prepared, refs, rubric.prompt, self.calibration,
                               anchors=self.policy.anchors if anchors is None else anchors)
        if cov is None:
            return 0.0, None
        lo, hi = ans.units[cov.start_unit], ans.units[cov.end_unit]
        quote = Quote(text=ans.raw[lo.start:hi.end], start=lo.start, end=hi.end,
                      source=ans.source)
        return cov.probability, quote

    def _point_cover(self, ans: Answer, point: RubricPoint,
                     rubric: Rubric) -> tuple[float, Quote | None]:
        """Coverage of a key point; a compound point is also checked part by part."""
        p, quote = self.cover(ans, point.references, rubric)
        share = self.policy.parts_share
        parts = point_parts(point.references[0], self.policy.part_min_words) \
            if len(point.references) == 1 else []
        if parts and ans.prepared is not None:
            covs = [self.cover(ans, [part], rubric)[0] for part in parts]
            sizes = [len(content_stems(part)) for part in parts]
            p = (1 - share) * p + share * float(np.average(covs, weights=sizes))
        return p, quote

    def _cue_bonus(self, ans: Answer, cues: Sequence[str], p: float) -> float:
        """A stated cue phrase (all of its content words in one unit) lifts weak coverage."""
        if ans.prepared is None or not cues:
            return p
        for cue in cues:
            cue_stems = set(content_stems(cue))
            if cue_stems and any(cue_stems <= set(s) for s in ans.prepared.stems):
                return max(p, min(1.0, p + self.policy.cue_bonus))
        return p

    def points(self, rubric: Rubric, main: Answer,
               extra: list[Answer]) -> list[KeyPointResult]:
        """A verdict for every key point: coverage finds the window, the verifier reads it."""
        found, probs = self.evidence(rubric, [main, *extra])
        prompted_credit = self.policy.prompted_credit
        results = []
        for point, row in zip(rubric.points, found, strict=True):
            siblings = [other.text for other in rubric.points if other is not point]
            readings = [(self._read(point.text, p, q, probs, siblings), q) for p, q in row]
            reading, quote = readings[0]
            prompted = False
            if reading.verdict not in ("stated", "contradicted"):
                for later, qf in readings[1:]:
                    if later.verdict == "stated" and \
                            later.credit * prompted_credit > reading.credit:
                        reading = PointReading("stated", later.credit * prompted_credit,
                                               later.stated)
                        quote, prompted = qf, True
                        break
                    if later.verdict == "contradicted" and reading.verdict != "partial":
                        reading, quote, prompted = later, qf, True
                        break
            v = probs.get((point.text, window_text(quote))) if quote is not None else None
            results.append(KeyPointResult(
                id=point.id, text=point.text, weight=point.weight,
                status=STATUS_OF[reading.verdict], verdict=reading.verdict,
                confidence=round(min(1.0, reading.credit), 3),
                evidence=quote if reading.verdict != "absent" else None,
                prompted=prompted, dimension=point.dimension,
                verifier=VerifierProbs(entail=v.entail, contradict=v.contradict,
                                       neutral=v.neutral) if v is not None else None,
            ))
        if any(k.verdict == "unverified" for k in results):
            refs = self.model_windows(rubric)
            for k in results:
                if k.verdict == "unverified":
                    k.reference = refs.get(k.id)
        return results

    def evidence(self, rubric: Rubric, answers: list[Answer], *, every: bool = False
                 ) -> tuple[Evidence, Probs]:
        """Per key point and answer: coverage and window; the verifier on every window whose
        verdict it could change (`every`: on every window near the point)."""
        found: Evidence = []
        pairs: list[tuple[str, str]] = []
        for point in rubric.points:
            row = []
            for ans in answers:
                p, quote = self._point_cover(ans, point, rubric)
                p = self._cue_bonus(ans, point.cues, p)
                row.append((p, quote))
                if quote is not None and p >= self.policy.verify_min and (
                        every or not self.rule.absent_whatever(
                            p, conflict_features(point.text, quote.text))):
                    pairs.append((point.text, window_text(quote)))
            found.append(row)
        return found, self.verify(pairs)

    def point_evidence(self, rubric: Rubric, answer: Answer
                       ) -> list[tuple[float, Verdict3 | None, Quote | None]]:
        """Coverage, verifier probabilities and window of every key point in one answer,
        before any verdict."""
        found, probs = self.evidence(rubric, [answer], every=True)
        out = []
        for point, row in zip(rubric.points, found, strict=True):
            p, quote = row[0]
            v = probs.get((point.text, window_text(quote))) if quote is not None else None
            out.append((p, v, quote))
        return out

    def _read(self, statement: str, coverage: float, quote: Quote | None,
              probs: Probs, siblings: Sequence[str] = ()) -> PointReading:
        v = probs.get((statement, window_text(quote))) if quote is not None else None
        if quote is None or (self.verifier is not None and v is None):
            # No window, or one the verifier was not asked about: too far from the point for
            # any reading of it to be more than absent (see `evidence`).
            return PointReading("absent", 0.0, coverage)
        return self.rule.read(coverage, v, conflict_features(statement, quote.text),
                              swapped=reversed_roles(statement, quote.text)
                              or reversed_directions(statement, quote.text)
                              or borrowed_definition(statement, quote.text, siblings)
                              or negated_point(statement, quote.text))

    def verify(self, pairs: list[tuple[str, str]]) -> Probs:
        """The verifier's reading of each (statement, window text) pair ({} without one)."""
        if not pairs or self.verifier is None:
            return {}
        unique = list(dict.fromkeys(pairs))
        return dict(zip(unique, self.verifier.score(unique), strict=True))

    def model_windows(self, rubric: Rubric) -> dict[str, str]:
        """Each key point's words in the model answer (to set beside an unverified point):
        from the file shipped with the bank when it has them all, else found now."""
        if not rubric.model_answer.strip():
            return {}
        if self.windows is not None:
            shipped = {p.id: self.windows.get(window_key(rubric, p)) for p in rubric.points}
            if all(w is not None for w in shipped.values()):
                return {k: w for k, w in shipped.items() if w}
        return self.find_model_windows(rubric)

    def find_model_windows(self, rubric: Rubric) -> dict[str, str]:
        """Each key point's words in the model answer, found with the embeddings (what
        `coach knowledge build-vectors` ships in model-windows.json)."""
        if not rubric.model_answer.strip():
            return {}
        prep = self.fx.prepare(rubric.model_answer, rubric.prompt)
        out = {}
        for point in rubric.points:
            best = self.fx.best_features(prep, point.references, rubric.prompt)
            if best is not None:
                lo, hi = prep.units[best[1]], prep.units[best[2]]
                out[point.id] = rubric.model_answer[lo.start: hi.end].strip()
        return out
