"""Technical, system-design and coding answers: key points, misconceptions, caps, code."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from coach.embeddings import Embedder
from coach.grading import signals
from coach.grading.coding import CodeRuns, code_score
from coach.grading.features import Calibration
from coach.grading.feedback import feedback_lines
from coach.grading.misconceptions import MisconceptionGrader, overlaps
from coach.grading.models import Grade, level_for
from coach.grading.points import PointGrader
from coach.grading.policy import ScoringPolicy
from coach.grading.reading import Answer, AnswerReader
from coach.grading.rubric import Rubric
from coach.grading.text import clean, content_stems, words


class TechnicalGrader:
    """Grades an answer on its key points (through the score curve), less its misconceptions
    and hints, capped when degenerate; a coding answer mostly on its tests."""

    def __init__(self, embedder: Embedder, calibration: Calibration, reader: AnswerReader,
                 points: PointGrader, misconceptions: MisconceptionGrader, code: CodeRuns,
                 policy: ScoringPolicy) -> None:
        self.embedder = embedder
        self.calibration = calibration
        self.reader = reader
        self.points = points
        self.misconceptions = misconceptions
        self.code = code
        self.policy = policy

    def grade(self, rubric: Rubric, text: str, followups: Sequence[str],
              hints_used: int, flags: list[str]) -> Grade:
        policy = self.policy
        self.points.warm([rubric])
        main = self.reader.read(text, rubric, "answer", flags)
        extra = [self.reader.read(f, rubric, f"followup-{i + 1}", flags)
                 for i, f in enumerate(followups) if f and f.strip()]
        points = self.points.points(rubric, main, extra)
        miscon = self.misconceptions.find(rubric, [main, *extra])
        points = self.misconceptions.contradict_points(rubric, [main, *extra], points, miscon)
        # An answer that talks about a point (even wrongly) is on topic.
        best_p = max((max(k.confidence, policy.on_topic_reading
                          if k.verdict in ("contradicted", "unverified") else 0.0)
                      for k in points if not k.prompted), default=0.0)
        cap = self._answer_level_flags(main, rubric, flags, best_p)
        total_w = sum(k.weight for k in points) or 1.0
        fraction = sum(k.weight * k.confidence for k in points) / total_w
        approach = 5.0 * self.calibration.to_score(fraction)
        code = None
        if rubric.coding is not None:
            code = self.code.result(rubric, text)
            score = code_score(approach, code, flags, policy)
        else:
            score = approach
        errors = len(miscon) + sum(
            1 for k in points if k.verdict == "contradicted" and not any(
                overlaps(k.evidence, m.evidence) for m in miscon))
        score -= policy.misconception_penalty * errors + policy.hint_penalty * hints_used
        score = round(max(0.0, min(cap, score, 5.0)), 1)
        grade = Grade(
            question_id=rubric.question_id, kind=rubric.kind, score=score,
            level=level_for(score), key_points=points,
            missed=[k.id for k in points if k.status == "missed"], misconceptions=miscon,
            code=code, flags=flags, hints_used=hints_used, coverage=round(fraction, 4),
        )
        grade.feedback = feedback_lines(grade, rubric, policy=policy)
        return grade

    def _answer_level_flags(self, main: Answer, rubric: Rubric, flags: list[str],
                            best_p: float) -> float:
        """The highest score a degenerate answer may get (5.0: no cap), adding its flags."""
        policy = self.policy
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
        if novelty < policy.repeats_novelty and q_sim > policy.repeats_similarity:
            flags.append("repeats-question")
            cap = min(cap, policy.degenerate_cap)
        topic_stems = set(content_stems(" ".join([rubric.prompt, rubric.model_answer,
                                                  *(p.text for p in rubric.points)])))
        if (rubric.coding is None or not signals.has_code(main.raw)) and (
                signals.is_keyword_list(main.raw) or signals.is_word_salad(main.raw)
                or signals.bare_list_units(main.raw, topic_stems)):
            flags.append("keyword-list")
            cap = min(cap, policy.degenerate_cap)
        topic_refs = [rubric.prompt, rubric.model_answer] if rubric.model_answer else [
            rubric.prompt]
        topic = self.embedder.encode(topic_refs)
        rel = float((main.prepared.vectors @ topic.T).max())
        if rel < policy.off_topic_relevance or (
                best_p < policy.weak_coverage and rel < policy.weak_relevance):
            flags.append("off-topic")
            cap = min(cap, policy.degenerate_cap)
        n_words = len(words(main.raw))
        model_words = max(policy.unfocused_min_words, len(words(rubric.model_answer)))
        if n_words > policy.unfocused_length * model_words and best_p < policy.coverage_stated:
            flags.append("unfocused")
        return cap
