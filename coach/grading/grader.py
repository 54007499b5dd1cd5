"""The offline grader: rubric coverage from the bundled embeddings plus lexical cues.

How a score is made (technical and system-design questions):
  1. The answer is split into sentences (long ones into clauses); sentences that instruct the
     grader are removed and flagged, so they can never earn credit.
  2. For each key point, the best window of 1-3 consecutive units around one of its anchors
     (the units most similar to it, and the one sharing most of its words) is found and described by
     coverage features (sentence similarity, question-demoted word overlap, soft word
     alignment, ...); a logistic model fitted on training data only turns them into the
     probability that the point is stated. That window is the quoted evidence. A compound
     point ("X; Y - Z") is also scored part by part and the two are averaged.
  3. Missed points may be recovered from follow-up answers (marked prompted, 80% credit).
  4. Weighted coverage goes through the shipped score curve to 0-5; each misconception
     detected (cut-offs fitted on training data) costs 0.75, each hint 0.25; degenerate
     answers are capped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace

import numpy as np

from coach.embeddings import Embedder
from coach.grading import signals
from coach.grading.bank_vectors import ModelWindows, window_key
from coach.grading.conflicts import conflict_features
from coach.grading.features import ANCHORS, Calibration, FeatureExtractor, Prepared
from coach.grading.feedback import feedback_lines, nothing_to_grade
from coach.grading.models import (
    STATUS_OF,
    CodeResult,
    Flag,
    Grade,
    KeyPointResult,
    MisconceptionHit,
    Quote,
    VerifierProbs,
    level_for,
)
from coach.grading.relevance import StoryFit, StoryRelevance
from coach.grading.rubric import Rubric, RubricMisconception, RubricPoint
from coach.grading.text import Unit, clean, content_stems, has_negation, split_units, words
from coach.grading.verdicts import COVERAGE_STATED, PointReading, VerdictRule
from coach.grading.verifier import Verdict3, Verifier, shared_verifier

# A compound key point ("X; Y - Z") is scored as the mean of its probability as a whole and
# the size-weighted mean over its parts. The share was chosen on the training split of the
# own set (0.25 / 0.5 / 0.75 gave Pearson 0.893 / 0.896 / 0.894 there).
PARTS_SHARE = 0.5
PART_MIN_WORDS = 3
_PART_SEP = re.compile(r";\s+|\s+-{1,2}\s+|\s*—\s*|(?<=[.!?])\s+(?=[A-Z])")
PROMPTED_CREDIT = 0.8
# Windows this far from a key point are absent whatever the verifier says (the stated head
# needs coverage: at 0.15 its probability stays far below any credit cut-off), so they are
# not sent to it.
VERIFY_MIN = 0.15
# A flagged misconception whose correction is at least this close (cosine of the embeddings)
# to a key point says the same as the point; its quote then contradicts the point.
RELATED_MISCONCEPTION = 0.5
MISCONCEPTION_PENALTY = 0.75
# A misconception is quoted by the clause that makes it: sentences longer than this many
# words are split into clauses first ("Bias means X, and variance is Y").
CLAIM_CLAUSE_WORDS = 12
HINT_PENALTY = 0.25
MAX_CHARS = 200_000


@dataclass
class _Answer:
    raw: str
    units: list[Unit]
    prepared: Prepared | None
    source: str


def _window_text(quote: Quote) -> str:
    return clean(quote.text)[:600]


def misconception_strength(claim: Verdict3, correction: Verdict3) -> float:
    """How clearly a window makes a misconception: it states the claim and contradicts the
    correction (-2..2)."""
    return (claim.entail - claim.contradict) + (correction.contradict - correction.entail)


def _mostly_within(a: Quote | None, b: Quote) -> bool:
    """At least half of quote a lies inside quote b."""
    if a is None or a.source != b.source or a.end <= a.start:
        return False
    return min(a.end, b.end) - max(a.start, b.start) >= 0.5 * (a.end - a.start)


def _overlaps(a: Quote | None, b: Quote | None) -> bool:
    return (a is not None and b is not None and a.source == b.source
            and a.start < b.end and b.start < a.end)


def point_parts(text: str) -> list[str]:
    """The separate claims of a compound key point, or [] when it is a single claim.

    Only strong separators split (semicolon, spaced dash, sentence end), and every part must
    keep PART_MIN_WORDS content words, so "A, B and C" stays whole.
    """
    parts = [p.strip() for p in _PART_SEP.split(text) if p and p.strip()]
    parts = [p for p in parts if len(content_stems(p)) >= PART_MIN_WORDS]
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


class Grader:
    """Grades answers against rubrics; deterministic for a given model and calibration."""

    def __init__(self, embedder: Embedder, calibration: Calibration | None = None,
                 *, run_code: bool = True, code_timeout: float = 5.0,
                 behavioral_contrast: Sequence[Rubric] | Callable[[], Sequence[Rubric]] = (),
                 verifier: Verifier | bool | None = True) -> None:
        """behavioral_contrast: the behavioral questions a story's fit is compared with, or
        a function giving them on the first behavioral grade; the services pass the bank's
        (`relevance.behavioral_rubrics` of the loaded knowledge). Without them (the default)
        a story is never flagged as answering another question."""
        self.embedder = embedder
        self.story_relevance = StoryRelevance(embedder, behavioral_contrast)
        self.calibration = calibration or Calibration.load()
        self.fx = FeatureExtractor(embedder)
        # verifier=True: the shipped one (when its weights are present); None/False: coverage
        # only, every addressed point then reads "unverified".
        self.verifier: Verifier | None = (
            shared_verifier() if verifier is True and shared_verifier().available
            else verifier if isinstance(verifier, Verifier) else None)
        self.rule = VerdictRule(self.calibration.data.get("verdict"))
        # The bank's model-answer windows, shipped beside its vectors (set when wiring).
        self.windows: ModelWindows | None = None
        self.run_code = run_code
        self.code_timeout = code_timeout
        self._code_runs: dict[tuple[str, str], Future[CodeResult]] = {}

    # -- public -----------------------------------------------------------------------------

    def warm_batch(self, pairs: Sequence[tuple[Rubric, str]]) -> None:
        """Prepare a batch of (rubric, answer) grades: coding answers start running in the
        sandbox (subprocesses, on the cores the embedding model leaves free) while every
        text the batch needs is embedded in one call."""
        if self.run_code:
            from concurrent.futures import ThreadPoolExecutor

            from coach.grading.sandbox import run_tests

            coding = [(r.question_id, r.coding, a[:MAX_CHARS]) for r, a in pairs
                      if r.coding is not None]
            if coding:
                pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="coach-sandbox")
                for qid, question, text in coding:
                    self._code_runs[(qid, text)] = pool.submit(
                        run_tests, question, text, timeout=self.code_timeout)
                pool.shutdown(wait=False)
        unique = {id(r): r for r, _ in pairs}
        self.warm(list(unique.values()), [a for _, a in pairs])

    def reuse_code(self, question_id: str, answer: str, result: CodeResult) -> None:
        """A coding run recorded earlier for this answer: the next grade of it uses `result`
        instead of running the code again (a resumed session never re-runs code)."""
        done: Future[CodeResult] = Future()
        done.set_result(result)
        self._code_runs[(question_id, answer[:MAX_CHARS])] = done

    def warm(self, rubrics: Sequence[Rubric], answers: Sequence[str] = ()) -> None:
        """Embed every text a batch of grades will need in one call (batch throughput)."""
        texts = [t for rubric in rubrics for t in rubric_texts(rubric)]
        if texts:  # the same for every answer to these questions: kept across sessions
            self.embedder.encode(list(dict.fromkeys(texts)), persist=True)
        if self.verifier is not None:
            self.verifier.load()
        unit_texts: list[str] = []
        for answer in answers:
            units, _ = self._units(answer[:MAX_CHARS], "")
            unit_texts.extend(clean(u.text)[:1000] for u in units)
        if unit_texts:
            self.embedder.encode(list(dict.fromkeys(unit_texts)))

    def grade(self, rubric: Rubric, answer: str, *, followups: Sequence[str] = (),
              hints_used: int = 0) -> Grade:
        answer = answer if isinstance(answer, str) else str(answer)
        flags: list[str] = []
        if len(answer) > MAX_CHARS:
            flags.append("very-long")
        text = answer[:MAX_CHARS]
        early = self._degenerate(text)
        if early:
            return self._zero(rubric, early, hints_used)
        if rubric.kind == "behavioral":
            return self._grade_behavioral(rubric, text, followups, hints_used, flags)
        return self._grade_rubric(rubric, text, followups, hints_used, flags)

    # -- helpers ----------------------------------------------------------------------------

    def _degenerate(self, text: str) -> str | None:
        if not text.strip():
            return "empty"
        if signals.is_idk(text):
            return "no-answer"
        if signals.is_gibberish(text):
            return "gibberish"
        return None

    def _zero(self, rubric: Rubric, flag: str, hints_used: int) -> Grade:
        return Grade(question_id=rubric.question_id, kind=rubric.kind, score=0.0,
                     level="no credit",
                     key_points=[KeyPointResult(id=p.id, text=p.text, weight=p.weight,
                                                status="missed", confidence=0.0,
                                                dimension=p.dimension) for p in rubric.points],
                     missed=[p.id for p in rubric.points], flags=[flag],
                     hints_used=hints_used, feedback=[nothing_to_grade(flag)])

    def _units(self, text: str, question: str) -> tuple[list[Unit], bool]:
        units, truncated = self.fx.unit_texts(text, question)
        return signals.drop_list_markers(units), truncated

    def _prepare(self, text: str, rubric: Rubric, source: str,
                 flags: list[str]) -> _Answer:
        units, truncated = self._units(text, rubric.prompt)
        if truncated and "very-long" not in flags:
            flags.append("very-long")
        bad = set(signals.injection_units(units))
        if bad and "instructions-to-grader" not in flags:
            flags.append("instructions-to-grader")
        kept = [u for i, u in enumerate(units) if i not in bad]
        if not kept:
            return _Answer(text, [], None, source)
        prep = self.fx.prepare(text, rubric.prompt, units=kept, truncated=truncated)
        return _Answer(text, kept, prep, source)

    def _cover(self, ans: _Answer, refs: list[str], rubric: Rubric, *,
               anchors: int = ANCHORS) -> tuple[float, Quote | None]:
        if ans.prepared is None:
            return 0.0, None
        cov = self.fx.coverage(ans.prepared, refs, rubric.prompt, self.calibration,
                               anchors=anchors)
        if cov is None:
            return 0.0, None
        lo, hi = ans.units[cov.start_unit], ans.units[cov.end_unit]
        quote = Quote(text=ans.raw[lo.start:hi.end], start=lo.start, end=hi.end,
                      source=ans.source)
        return cov.probability, quote

    def _point_cover(self, ans: _Answer, point: RubricPoint,
                     rubric: Rubric) -> tuple[float, Quote | None]:
        """Coverage of a key point; a compound point is also checked part by part."""
        p, quote = self._cover(ans, point.references, rubric)
        parts = point_parts(point.references[0]) if len(point.references) == 1 else []
        if parts and ans.prepared is not None:
            covs = [self._cover(ans, [part], rubric)[0] for part in parts]
            sizes = [len(content_stems(part)) for part in parts]
            p = (1 - PARTS_SHARE) * p + PARTS_SHARE * float(np.average(covs, weights=sizes))
        return p, quote

    def _cue_bonus(self, ans: _Answer, cues: Sequence[str], p: float) -> float:
        """A stated cue phrase (all of its content words in one unit) lifts weak coverage."""
        if ans.prepared is None or not cues:
            return p
        for cue in cues:
            cue_stems = set(content_stems(cue))
            if cue_stems and any(cue_stems <= set(s) for s in ans.prepared.stems):
                return max(p, min(1.0, p + 0.2))
        return p

    def _points(self, rubric: Rubric, main: _Answer,
                extra: list[_Answer]) -> list[KeyPointResult]:
        """A verdict for every key point: coverage finds the window, the verifier reads it."""
        found, probs = self._evidence(rubric, [main, *extra])
        results = []
        for point, row in zip(rubric.points, found, strict=True):
            readings = [(self._read(point.text, p, q, probs), q) for p, q in row]
            reading, quote = readings[0]
            prompted = False
            if reading.verdict not in ("stated", "contradicted"):
                for later, qf in readings[1:]:
                    if later.verdict == "stated" and \
                            later.credit * PROMPTED_CREDIT > reading.credit:
                        reading = PointReading("stated", later.credit * PROMPTED_CREDIT,
                                               later.stated)
                        quote, prompted = qf, True
                        break
                    if later.verdict == "contradicted" and reading.verdict != "partial":
                        reading, quote, prompted = later, qf, True
                        break
            v = probs.get((point.text, _window_text(quote))) if quote is not None else None
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
            refs = self._model_windows(rubric)
            for k in results:
                if k.verdict == "unverified":
                    k.reference = refs.get(k.id)
        return results

    def _evidence(self, rubric: Rubric, answers: list[_Answer], *, every: bool = False
                  ) -> tuple[list[list[tuple[float, Quote | None]]],
                             dict[tuple[str, str], Verdict3]]:
        """Per key point and answer: coverage and window; the verifier on every window whose
        verdict it could change (`every`: on every window near the point)."""
        found: list[list[tuple[float, Quote | None]]] = []
        pairs: list[tuple[str, str]] = []
        for point in rubric.points:
            row = []
            for ans in answers:
                p, quote = self._point_cover(ans, point, rubric)
                p = self._cue_bonus(ans, point.cues, p)
                row.append((p, quote))
                if quote is not None and p >= VERIFY_MIN and (
                        every or not self.rule.absent_whatever(
                            p, conflict_features(point.text, quote.text))):
                    pairs.append((point.text, _window_text(quote)))
            found.append(row)
        return found, self._verify(pairs)

    def point_evidence(self, rubric: Rubric, answer: str
                       ) -> list[tuple[float, Verdict3 | None, Quote | None]]:
        """Coverage, verifier probabilities and window of every key point in one answer, before
        any verdict: what the verdict rule is fitted on (evals/fit_verdicts.py)."""
        main = self._prepare(answer[:MAX_CHARS], rubric, "answer", [])
        found, probs = self._evidence(rubric, [main], every=True)
        out = []
        for point, row in zip(rubric.points, found, strict=True):
            p, quote = row[0]
            v = probs.get((point.text, _window_text(quote))) if quote is not None else None
            out.append((p, v, quote))
        return out

    def read_answer(self, rubric: Rubric, answer: str) -> _Answer:
        """An answer as a grade reads it (split, screened, embedded): what
        `claim_and_correction` and the story check (`story_relevance.fit`) take; the rules
        on them are fitted with it (evals/fit_curve.py)."""
        return self._prepare(answer[:MAX_CHARS], rubric, "answer", [])

    def misconception_evidence(self, rubric: Rubric, answer: str
                               ) -> list[tuple[float, float, Verdict3 | None, Verdict3 | None]]:
        """Per misconception: (claim coverage, correction coverage, verifier on claim, on
        correction) at the claim's window — what the misconception cut-off is fitted on."""
        ans = self._prepare(answer[:MAX_CHARS], rubric, "answer", [])
        out: list[tuple[float, float, Verdict3 | None, Verdict3 | None]] = []
        for m in rubric.misconceptions:
            p_claim, quote = self._cover(ans, [m.claim], rubric)
            p_corr = self._cover(ans, [m.correction], rubric)[0]
            if quote is None:
                out.append((p_claim, p_corr, None, None))
                continue
            w = _window_text(quote)
            probs = self._verify([(m.claim, w), (m.correction, w)])
            out.append((p_claim, p_corr, probs.get((m.claim, w)),
                        probs.get((m.correction, w))))
        return out

    def _read(self, statement: str, coverage: float, quote: Quote | None,
              probs: dict[tuple[str, str], Verdict3]) -> PointReading:
        v = probs.get((statement, _window_text(quote))) if quote is not None else None
        if quote is None or (self.verifier is not None and v is None):
            # No window, or one the verifier was not asked about: too far from the point for
            # any reading of it to be more than absent (see `_evidence`).
            return PointReading("absent", 0.0, coverage)
        return self.rule.read(coverage, v, conflict_features(statement, quote.text))

    def _verify(self, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], Verdict3]:
        if not pairs or self.verifier is None:
            return {}
        unique = list(dict.fromkeys(pairs))
        return dict(zip(unique, self.verifier.score(unique), strict=True))

    def _model_windows(self, rubric: Rubric) -> dict[str, str]:
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

    def _misconceptions(self, rubric: Rubric, answers: list[_Answer]) -> list[MisconceptionHit]:
        # Two ways to catch a claim. (1) Coverage: the claim is clearly stated and stated more
        # clearly than its correction (cut-offs fitted on the training split,
        # evals/fit_curve.py). (2) The verifier: the window most like the claim entails the
        # claim and contradicts the correction, so a paraphrase in other words is caught too
        # (cut-off fitted with the verdict rule, evals/fit_verdicts.py).
        rule = self.calibration.data.get("misconception", {})
        min_claim = float(rule.get("min_claim", 0.6))
        margin = float(rule.get("margin", 0.1))
        verdict_rule = self.rule.data
        min_verified = float(verdict_rule.get("misconception", 0.9))
        min_topic = float(verdict_rule.get("misconception_min_coverage", 0.2))
        windows: list[tuple[RubricMisconception, _Answer, float, Quote]] = []
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
                    p_claim, quote = self._cover(ans, [m.claim], rubric)
                    if quote is not None and p_claim >= min_topic and \
                            p_claim > self._cover(ans, [m.correction], rubric)[0]:
                        windows.append((m, ans, p_claim, quote))
                        pairs.append((m.claim, _window_text(quote)))
        probs = self._verify(pairs)
        # The correction's part of the strength is at most 1: a window whose claim part
        # leaves it short even then is not asked about the correction.
        probs.update(self._verify([
            (m.correction, _window_text(q)) for m, _a, _p, q in windows
            if (v := probs.get((m.claim, _window_text(q)))) is not None  # None: no verifier
            and v.entail - v.contradict + 1.0 >= min_verified]))
        done = {h.claim for h in hits}
        for m, _ans, _p, quote in windows:
            if m.claim in done or not probs:
                continue
            claim = probs[(m.claim, _window_text(quote))]
            corr = probs.get((m.correction, _window_text(quote)))
            if corr is None or misconception_strength(claim, corr) < min_verified:
                continue
            # The sentence that reads most like the claim must make it by itself too.
            sentence = self._claim_sentence(quote, m.claim)
            if sentence.text != quote.text:
                again = self._verify([(m.claim, _window_text(sentence)),
                                      (m.correction, _window_text(sentence))])
                if misconception_strength(again[(m.claim, _window_text(sentence))],
                                          again[(m.correction, _window_text(sentence))]
                                          ) < min_verified:
                    continue
            hits.append(MisconceptionHit(claim=m.claim, correction=m.correction,
                                         evidence=sentence))
            done.add(m.claim)
        return hits

    def _contradicted_by_misconceptions(self, rubric: Rubric, answers: list[_Answer],
                                        points: list[KeyPointResult],
                                        miscon: list[MisconceptionHit]) -> list[KeyPointResult]:
        """Words that make a listed misconception are no evidence for a key point.

        A point credited on a window that is mostly a flagged misconception's quote, where the
        misconception's correction reads like the point (RELATED_MISCONCEPTION) and the
        verifier does not read the window as stating the point, is contradicted by that
        quote: saying the misconception is saying the point is wrong.
        Any other point credited on a window that overlaps such a quote is read again with
        the quote blanked out and takes that reading (found elsewhere, or absent) — unless the
        verifier reads that window as stating the point: then it keeps its credit but reads
        `unverified`, never ✓ over words that make a wrong claim (re-reading those too cost
        model answers with a false flag 0.3-0.4 each and changed nothing on the train half).
        """
        hit = {i: [m for m in miscon if _overlaps(k.evidence, m.evidence)]
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
            if sims[j] >= RELATED_MISCONCEPTION and not backed and \
                    _mostly_within(k.evidence, ms[j].evidence):
                out[i] = k.model_copy(update={
                    "verdict": "contradicted", "confidence": 0.0,
                    "status": STATUS_OF["contradicted"], "evidence": ms[j].evidence,
                    "reference": None})
            elif not backed:
                again.append(i)
            elif k.verdict != "unverified":
                # The verifier reads the window as stating the point, but the window also
                # makes a wrong claim: no ✓ over those words; the credit stays.
                refs = refs if refs is not None else self._model_windows(rubric)
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
            masked.append(ans if raw == ans.raw else self._prepare(raw, rubric, ans.source, []))
        sub = replace(rubric, points=tuple(rubric.points[i] for i in again))
        for i, k in zip(again, self._points(sub, masked[0], masked[1:]), strict=True):
            out[i] = k
        return out

    def claim_and_correction(self, ans: _Answer, m: RubricMisconception, rubric: Rubric,
                             min_claim: float) -> tuple[float, float, Quote] | None:
        """How clearly an answer states a misconception's claim and its correction, with the
        clause that makes the claim as its quote; None when the claim is below `min_claim`,
        unquoted, or negated unlike the claim (then it is not being made). The misconception
        rule and its fit (evals/fit_curve.py) both read this.

        One anchor: a misconception is a claim made in a sentence or two, and widening the
        search gathers words from sentences that do not make it.
        """
        p_claim, quote = self._cover(ans, [m.claim], rubric, anchors=1)
        if p_claim < min_claim or quote is None:
            return None
        sentence = self._claim_sentence(quote, m.claim)
        negated = has_negation(m.claim)
        # A negation elsewhere in the window ("..., nothing else") does not unsay the claim
        # when the claim's own clause makes it alone, without one.
        if has_negation(quote.text) != negated and (
                has_negation(sentence.text) != negated or self._cover(
                    self._prepare(sentence.text, rubric, ans.source, []), [m.claim], rubric,
                    anchors=1)[0] < min_claim):
            return None
        return p_claim, self._cover(ans, [m.correction], rubric, anchors=1)[0], sentence

    def _claim_sentence(self, quote: Quote, claim: str) -> Quote:
        """The sentence of a window that reads most like the claim: the words that make the
        misconception, so that a negation elsewhere in the window does not hide it and the
        quote shows only what is wrong."""
        units = split_units(quote.text, clause_words=CLAIM_CLAUSE_WORDS)
        if len(units) < 2:
            return quote
        vecs = self.embedder.encode([clean(u.text) for u in units])
        best = units[int((vecs @ self.embedder.encode([claim])[0]).argmax())]
        return Quote(text=best.text, start=quote.start + best.start,
                     end=quote.start + best.end, source=quote.source)

    def _answer_level_flags(self, main: _Answer, rubric: Rubric, flags: list[str],
                            best_p: float) -> float:
        """Caps for degenerate answers (1.0 means no cap), adding their flags."""
        cap = 5.0
        if main.prepared is None:
            flags.append("no-content")
            return 0.0
        q_stems = main.prepared.question_stems
        all_stems = [s for st in main.prepared.stems for s in st]
        novelty = len(set(all_stems) - q_stems) / max(1, len(set(all_stems)))
        vec = main.prepared.vectors.mean(axis=0)
        vec = vec / (np.linalg.norm(vec) + 1e-9)
        qvec = self.embedder.encode([clean(rubric.prompt)])[0]
        q_sim = float(vec @ qvec)
        if novelty < 0.15 and q_sim > 0.75:
            flags.append("repeats-question")
            cap = min(cap, 0.5)
        topic_stems = set(content_stems(" ".join([rubric.prompt, rubric.model_answer,
                                                  *(p.text for p in rubric.points)])))
        if (rubric.coding is None or not signals.has_code(main.raw)) and (
                signals.is_keyword_list(main.raw) or signals.is_word_salad(main.raw)
                or signals.bare_list_units(main.raw, topic_stems)):
            flags.append("keyword-list")
            cap = min(cap, 0.5)
        topic_refs = [rubric.prompt, rubric.model_answer] if rubric.model_answer else [
            rubric.prompt]
        topic = self.embedder.encode(topic_refs)
        rel = float((main.prepared.vectors @ topic.T).max())
        if rel < 0.2 or (best_p < 0.4 and rel < 0.3):
            flags.append("off-topic")
            cap = min(cap, 0.5)
        n_words = len(words(main.raw))
        model_words = max(60, len(words(rubric.model_answer)))
        if n_words > 3 * model_words and best_p < COVERAGE_STATED:
            flags.append("unfocused")
        return cap

    def _grade_rubric(self, rubric: Rubric, text: str, followups: Sequence[str],
                      hints_used: int, flags: list[str]) -> Grade:
        self.warm([rubric])
        main = self._prepare(text, rubric, "answer", flags)
        extra = [self._prepare(f, rubric, f"followup-{i + 1}", flags)
                 for i, f in enumerate(followups) if f and f.strip()]
        points = self._points(rubric, main, extra)
        miscon = self._misconceptions(rubric, [main, *extra])
        points = self._contradicted_by_misconceptions(rubric, [main, *extra], points, miscon)
        # An answer that talks about a point (even wrongly) is on topic.
        best_p = max((max(k.confidence, 0.5 if k.verdict in ("contradicted", "unverified")
                          else 0.0) for k in points if not k.prompted), default=0.0)
        cap = self._answer_level_flags(main, rubric, flags, best_p)
        total_w = sum(k.weight for k in points) or 1.0
        fraction = sum(k.weight * k.confidence for k in points) / total_w
        approach = 5.0 * self.calibration.to_score(fraction)
        code = None
        if rubric.coding is not None:
            code = self._code(rubric, text)
            if code is None:
                score = approach
            elif not code.parsed:
                flags.append("code-does-not-parse")
                score = 0.5 * approach
            elif code.total:
                score = 5.0 * 0.75 * code.passed / code.total + 0.25 * approach
                if code.error and not code.tests:
                    flags.append("code-failed-to-run")
            else:
                score = approach
            if code is not None and not code.isolated:
                flags.append("code-not-isolated")
        else:
            score = approach
        errors = len(miscon) + sum(
            1 for k in points if k.verdict == "contradicted" and not any(
                _overlaps(k.evidence, m.evidence) for m in miscon))
        score -= MISCONCEPTION_PENALTY * errors + HINT_PENALTY * hints_used
        score = round(max(0.0, min(cap, score, 5.0)), 1)
        grade = Grade(
            question_id=rubric.question_id, kind=rubric.kind, score=score,
            level=level_for(score), key_points=points,
            missed=[k.id for k in points if k.status == "missed"], misconceptions=miscon,
            code=code, flags=flags, hints_used=hints_used, coverage=round(fraction, 4),
        )
        grade.feedback = feedback_lines(grade, rubric)
        return grade

    def _code(self, rubric: Rubric, text: str) -> CodeResult | None:
        if not self.run_code or rubric.coding is None:
            return None
        pending = self._code_runs.pop((rubric.question_id, text), None)
        if pending is not None:
            return pending.result()
        from coach.grading.sandbox import run_tests

        return run_tests(rubric.coding, text, timeout=self.code_timeout)

    def _grade_behavioral(self, rubric: Rubric, text: str, followups: Sequence[str],
                          hints_used: int, flags: list[str]) -> Grade:
        main = self._prepare(text, rubric, "answer", flags)
        extra = [self._prepare(f, rubric, f"followup-{i + 1}", flags)
                 for i, f in enumerate(followups) if f and f.strip()]
        if main.prepared is None:
            return self._zero(rubric, "empty", hints_used).model_copy(
                update={"flags": [*map(Flag, flags), Flag.NO_CONTENT]})
        star = signals.analyse_star(main.units, text)
        for ans in extra:
            more = signals.analyse_star(ans.units, ans.raw)
            for mine, theirs in zip(star.parts, more.parts, strict=True):
                if not mine.present and theirs.present and theirs.evidence:
                    mine.present, mine.prompted = True, True
                    mine.evidence = theirs.evidence.model_copy(update={"source": ans.source})
            if not star.quantified and more.quantified:
                star.quantified = True
                star.quantified_evidence = more.quantified_evidence.model_copy(  # type: ignore[union-attr]
                    update={"source": ans.source})
            if not star.reflection and more.reflection:
                star.reflection = True
                star.reflection_evidence = more.reflection_evidence.model_copy(  # type: ignore[union-attr]
                    update={"source": ans.source})
        points = self._points(rubric, main, extra) if rubric.points else []
        weights = {"situation": 1.0, "task": 1.0, "action": 1.5, "result": 1.5}
        star_frac = sum(weights[p.part] * (PROMPTED_CREDIT if p.prompted else 1.0)
                        for p in star.parts if p.present) / sum(weights.values())
        own = {"I": 1.0, "mixed": 0.6, "we": 0.2, "none": 0.0}[star.ownership]
        base = 0.6 * star_frac + 0.15 * star.quantified + 0.15 * star.reflection + 0.1 * own
        if points:
            total_w = sum(k.weight for k in points)
            kp_frac = sum(k.weight * k.confidence for k in points) / total_w
            base = 0.75 * base + 0.25 * kp_frac
        # Relevance: the story must be about what was asked.
        refs = [rubric.prompt, rubric.model_answer, *[
            p.expect for p in (rubric.star.situation, rubric.star.task, rubric.star.action,
                               rubric.star.result)]] if rubric.star else [rubric.prompt]
        ref_vecs = self.embedder.encode(refs)
        assert main.prepared is not None
        rel = float(np.sort((main.prepared.vectors @ ref_vecs.T).max(axis=1))[-3:].mean())
        n_words = len(words(text))
        length_factor = min(1.0, n_words / 80)
        relevance = min(1.0, max(0.0, (rel - 0.1) / 0.25))
        score = 5.0 * base * relevance * (0.5 + 0.5 * length_factor)
        cap = 5.0
        other = None
        if rel < 0.2:
            flags.append("off-topic")
            cap = 0.5
        else:
            other = self._other_story(rubric, main)
            if other is not None:
                flags.append("off-topic")
                cap = 0.5
        if signals.is_keyword_list(text):
            flags.append("keyword-list")
            cap = min(cap, 0.5)
        score -= HINT_PENALTY * hints_used
        score = round(max(0.0, min(cap, score)), 1)
        grade = Grade(question_id=rubric.question_id, kind=rubric.kind, score=score,
                      level=level_for(score), key_points=points,
                      missed=[k.id for k in points if k.status == "missed"], star=star,
                      flags=flags, hints_used=hints_used)
        # When the story fits another question, the feedback says which one.
        grade.feedback = feedback_lines(
            grade, rubric, off_question=other.closest_prompt if other is not None else None)
        return grade

    def _other_story(self, rubric: Rubric, main: _Answer) -> StoryFit | None:
        """The fit of a story that answers a different behavioral question, else None.

        Flagged when the story fits this question no better than the typical other
        behavioral question (z) and another question fits it far better (margin); both
        cut-offs are chosen on the bank's model answers and the training split
        (evals/fit_curve.py) so no on-topic story there is flagged.
        """
        rule = self.calibration.data.get("behavioral_off_question")
        if not rule or main.prepared is None or rubric.star is None:  # not a bank question
            return None
        fit = self.story_relevance.fit(rubric, main.prepared.vectors, main.raw)
        if fit is None or fit.z >= float(rule["max_z"]) or fit.margin >= float(rule["max_margin"]):
            return None
        return fit
