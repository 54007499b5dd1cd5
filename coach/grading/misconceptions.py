"""Listed misconceptions: which ones an answer makes, quoted by the clause that makes them,
and what that does to the key points credited on the same words."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from coach.embeddings import Embedder
from coach.grading.models import STATUS_OF, KeyPointResult, MisconceptionHit, Quote
from coach.grading.points import PointGrader, window_text
from coach.grading.policy import ScoringPolicy
from coach.grading.reading import Answer, AnswerReader
from coach.grading.rubric import Rubric, RubricMisconception
from coach.grading.text import clean, has_negation, split_units
from coach.grading.verifier import Verdict3


def misconception_strength(claim: Verdict3, correction: Verdict3) -> float:
    """How clearly a window makes a misconception: it states the claim and contradicts the
    correction (-2..2)."""
    return (claim.entail - claim.contradict) + (correction.contradict - correction.entail)


def mostly_within(a: Quote | None, b: Quote) -> bool:
    """At least half of quote a lies inside quote b."""
    if a is None or a.source != b.source or a.end <= a.start:
        return False
    return min(a.end, b.end) - max(a.start, b.start) >= 0.5 * (a.end - a.start)


def overlaps(a: Quote | None, b: Quote | None) -> bool:
    """The two quotes share words of the same answer."""
    return (a is not None and b is not None and a.source == b.source
            and a.start < b.end and b.start < a.end)


class MisconceptionGrader:
    """Finds the listed misconceptions an answer makes (by coverage or by the verifier)."""

    def __init__(self, embedder: Embedder, points: PointGrader, reader: AnswerReader,
                 policy: ScoringPolicy) -> None:
        self.embedder = embedder
        self.points = points
        self.reader = reader
        self.policy = policy

    def claim_and_correction(self, ans: Answer, m: RubricMisconception, rubric: Rubric,
                             min_claim: float) -> tuple[float, float, Quote] | None:
        """How clearly an answer states a misconception's claim and its correction, with the
        clause that makes the claim as its quote; None when the claim is below `min_claim`,
        unquoted, or negated unlike the claim (then it is not being made). The misconception
        rule and its fit (evals/fit_curve.py) both read this.

        One anchor: a misconception is a claim made in a sentence or two, and widening the
        search gathers words from sentences that do not make it.
        """
        cover = self.points.cover
        p_claim, quote = cover(ans, [m.claim], rubric, anchors=1)
        if p_claim < min_claim or quote is None:
            return None
        sentence = self.claim_sentence(quote, m.claim)
        negated = has_negation(m.claim)
        # A negation elsewhere in the window ("..., nothing else") does not unsay the claim
        # when the claim's own clause makes it alone, without one.
        if has_negation(quote.text) != negated and (
                has_negation(sentence.text) != negated or cover(
                    self.reader.read(sentence.text, rubric, ans.source, []), [m.claim], rubric,
                    anchors=1)[0] < min_claim):
            return None
        return p_claim, cover(ans, [m.correction], rubric, anchors=1)[0], sentence

    def claim_sentence(self, quote: Quote, claim: str) -> Quote:
        """The sentence of a window that reads most like the claim: the words that make the
        misconception, so that a negation elsewhere in the window does not hide it and the
        quote shows only what is wrong."""
        units = split_units(quote.text, clause_words=self.policy.claim_clause_words)
        if len(units) < 2:
            return quote
        vecs = self.embedder.encode([clean(u.text) for u in units])
        best = units[int((vecs @ self.embedder.encode([claim])[0]).argmax())]
        return Quote(text=best.text, start=quote.start + best.start,
                     end=quote.start + best.end, source=quote.source)

    def find(self, rubric: Rubric, answers: list[Answer]) -> list[MisconceptionHit]:
        """The misconceptions the answers make, each quoted once."""
        # Two ways to catch a claim. (1) Coverage: the claim is clearly stated and stated more
        # clearly than its correction (cut-offs fitted on the training split,
        # evals/fit_curve.py). (2) The verifier: the window most like the claim entails the
        # claim and contradicts the correction, so a paraphrase in other words is caught too
        # (cut-off fitted with the verdict rule, evals/fit_verdicts.py).
        policy, cover, verify = self.policy, self.points.cover, self.points.verify
        min_claim = policy.misconception_min_claim
        margin = policy.misconception_margin
        min_verified = policy.misconception_verified
        min_topic = policy.misconception_min_coverage
        windows: list[tuple[RubricMisconception, Answer, float, Quote]] = []
        pairs: list[tuple[str, str]] = []
        hits: list[MisconceptionHit] = []
        for m in rubric.misconceptions:
            for ans in answers:
                found = self.claim_and_correction(ans, m, rubric, min_claim)
                if found is not None and found[0] > found[1] + margin:
                    hits.append(MisconceptionHit(claim=m.claim, correction=m.correction,
                                                 evidence=found[2]))
                    break
            else:
                for ans in answers:
                    p_claim, quote = cover(ans, [m.claim], rubric)
                    if quote is not None and p_claim >= min_topic and \
                            p_claim > cover(ans, [m.correction], rubric)[0]:
                        windows.append((m, ans, p_claim, quote))
                        pairs.append((m.claim, window_text(quote)))
        probs = verify(pairs)
        # The correction's part of the strength is at most 1: a window whose claim part
        # leaves it short even then is not asked about the correction.
        probs.update(verify([
            (m.correction, window_text(q)) for m, _a, _p, q in windows
            if (v := probs.get((m.claim, window_text(q)))) is not None  # None: no verifier
            and v.entail - v.contradict + 1.0 >= min_verified]))
        done = {h.claim for h in hits}
        for m, _ans, _p, quote in windows:
            if m.claim in done or not probs:
                continue
            claim = probs[(m.claim, window_text(quote))]
            corr = probs.get((m.correction, window_text(quote)))
            if corr is None or misconception_strength(claim, corr) < min_verified:
                continue
            # The sentence that reads most like the claim must make it by itself too.
            sentence = self.claim_sentence(quote, m.claim)
            if sentence.text != quote.text:
                again = verify([(m.claim, window_text(sentence)),
                                (m.correction, window_text(sentence))])
                if misconception_strength(again[(m.claim, window_text(sentence))],
                                          again[(m.correction, window_text(sentence))]
                                          ) < min_verified:
                    continue
            hits.append(MisconceptionHit(claim=m.claim, correction=m.correction,
                                         evidence=sentence))
            done.add(m.claim)
        return hits

    def evidence(self, rubric: Rubric, ans: Answer
                 ) -> list[tuple[float, float, Verdict3 | None, Verdict3 | None]]:
        """Per misconception: (claim coverage, correction coverage, verifier on claim, on
        correction) at the claim's window — what the misconception cut-off is fitted on."""
        cover, verify = self.points.cover, self.points.verify
        out: list[tuple[float, float, Verdict3 | None, Verdict3 | None]] = []
        for m in rubric.misconceptions:
            p_claim, quote = cover(ans, [m.claim], rubric)
            p_corr = cover(ans, [m.correction], rubric)[0]
            if quote is None:
                out.append((p_claim, p_corr, None, None))
                continue
            w = window_text(quote)
            probs = verify([(m.claim, w), (m.correction, w)])
            out.append((p_claim, p_corr, probs.get((m.claim, w)),
                        probs.get((m.correction, w))))
        return out

    def contradict_points(self, rubric: Rubric, answers: list[Answer],
                          points: list[KeyPointResult],
                          miscon: list[MisconceptionHit]) -> list[KeyPointResult]:
        """Words that make a listed misconception are no evidence for a key point.

        A point credited on a window that is mostly a flagged misconception's quote, where the
        misconception's correction reads like the point (`related_misconception`) and the
        verifier does not read the window as stating the point, is contradicted by that
        quote: saying the misconception is saying the point is wrong.
        Any other point credited on a window that overlaps such a quote is read again with
        the quote blanked out and takes that reading (found elsewhere, or absent) — unless the
        verifier reads that window as stating the point: then it keeps its credit but reads
        `unverified`, never ✓ over words that make a wrong claim (re-reading those too cost
        model answers with a false flag 0.3-0.4 each and changed nothing on the train half).
        """
        hit = {i: [m for m in miscon if overlaps(k.evidence, m.evidence)]
               for i, k in enumerate(points)
               if k.verdict in ("stated", "partial", "unverified")}
        hit = {i: ms for i, ms in hit.items() if ms}
        if not hit:
            return points
        out = list(points)
        again: list[int] = []
        refs: dict[str, str] | None = None
        # Every point against every flagged correction, embedded in one call each.
        pv = self.embedder.encode([points[i].text for i in hit])
        cv = self.embedder.encode([m.correction for m in miscon])
        for row, (i, ms) in zip(pv @ cv.T, hit.items(), strict=True):
            k = points[i]
            sims = [float(row[miscon.index(m)]) for m in ms]
            j = int(np.argmax(sims))
            backed = k.verifier is not None and k.verifier.entail > k.verifier.contradict
            if sims[j] >= self.policy.related_misconception and not backed and \
                    mostly_within(k.evidence, ms[j].evidence):
                out[i] = k.model_copy(update={
                    "verdict": "contradicted", "confidence": 0.0,
                    "status": STATUS_OF["contradicted"], "evidence": ms[j].evidence,
                    "reference": None})
            elif not backed:
                again.append(i)
            elif k.verdict != "unverified":
                # The verifier reads the window as stating the point, but the window also
                # makes a wrong claim: no ✓ over those words; the credit stays.
                refs = refs if refs is not None else self.points.model_windows(rubric)
                out[i] = k.model_copy(update={"verdict": "unverified",
                                              "status": STATUS_OF["unverified"],
                                              "reference": refs.get(k.id)})
        if not again:
            return out
        masked = []
        for ans in answers:
            raw = ans.raw
            for m in miscon:
                if m.evidence.source == ans.source:
                    e = m.evidence
                    raw = raw[:e.start] + " " * (e.end - e.start) + raw[e.end:]
            masked.append(ans if raw == ans.raw
                          else self.reader.read(raw, rubric, ans.source, []))
        sub = replace(rubric, points=tuple(rubric.points[i] for i in again))
        for i, k in zip(again, self.points.points(sub, masked[0], masked[1:]), strict=True):
            out[i] = k
        return out
