"""Behavioral answers: a STAR story, its ownership, a measured result and a reflection,
relevant to the question asked (and not a better answer to another one)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from coach.embeddings import Embedder
from coach.grading import signals
from coach.grading.feedback import feedback_lines
from coach.grading.models import Flag, Grade, level_for
from coach.grading.points import PointGrader
from coach.grading.policy import ScoringPolicy
from coach.grading.reading import Answer, AnswerReader, zero_grade
from coach.grading.relevance import StoryFit, StoryRelevance
from coach.grading.rubric import Rubric
from coach.grading.text import words


class BehavioralGrader:
    """Grades a story on STAR and relevance (its listed key points, if any, a quarter)."""

    def __init__(self, embedder: Embedder, reader: AnswerReader, points: PointGrader,
                 story_relevance: StoryRelevance, policy: ScoringPolicy) -> None:
        self.embedder = embedder
        self.reader = reader
        self.points = points
        self.story_relevance = story_relevance
        self.policy = policy

    def grade(self, rubric: Rubric, text: str, followups: Sequence[str],
              hints_used: int, flags: list[str]) -> Grade:
        policy = self.policy
        main = self.reader.read(text, rubric, "answer", flags)
        extra = [self.reader.read(f, rubric, f"followup-{i + 1}", flags)
                 for i, f in enumerate(followups) if f and f.strip()]
        if main.prepared is None:
            return zero_grade(rubric, "empty", hints_used).model_copy(
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
        points = self.points.points(rubric, main, extra) if rubric.points else []
        weights = policy.star_weights
        star_frac = sum(weights[p.part] * (policy.prompted_credit if p.prompted else 1.0)
                        for p in star.parts if p.present) / sum(weights.values())
        own = policy.ownership_credit[star.ownership]
        base = policy.star_share * star_frac + policy.quantified_share * star.quantified + \
            policy.reflection_share * star.reflection + policy.ownership_share * own
        if points:
            total_w = sum(k.weight for k in points)
            kp_frac = sum(k.weight * k.confidence for k in points) / total_w
            base = (1 - policy.story_points_share) * base + policy.story_points_share * kp_frac
        # Relevance: the story must be about what was asked.
        refs = [rubric.prompt, rubric.model_answer, *[
            p.expect for p in (rubric.star.situation, rubric.star.task, rubric.star.action,
                               rubric.star.result)]] if rubric.star else [rubric.prompt]
        ref_vecs = self.embedder.encode(refs)
        assert main.prepared is not None
        top = policy.story_top_units
        rel = float(np.sort((main.prepared.vectors @ ref_vecs.T).max(axis=1))[-top:].mean())
        n_words = len(words(text))
        length_factor = min(1.0, n_words / policy.story_full_words)
        relevance = min(1.0, max(0.0, (rel - policy.story_relevance_floor)
                                 / policy.story_relevance_span))
        score = 5.0 * base * relevance * (0.5 + 0.5 * length_factor)
        cap = 5.0
        other = None
        if rel < policy.story_off_topic:
            flags.append("off-topic")
            cap = policy.degenerate_cap
        else:
            other = self._other_story(rubric, main)
            if other is not None:
                flags.append("off-topic")
                cap = policy.degenerate_cap
        if signals.is_keyword_list(text):
            flags.append("keyword-list")
            cap = min(cap, policy.degenerate_cap)
        score -= policy.hint_penalty * hints_used
        score = round(max(0.0, min(cap, score)), 1)
        grade = Grade(question_id=rubric.question_id, kind=rubric.kind, score=score,
                      level=level_for(score), key_points=points,
                      missed=[k.id for k in points if k.status == "missed"], star=star,
                      flags=flags, hints_used=hints_used)
        # When the story fits another question, the feedback says which one.
        grade.feedback = feedback_lines(
            grade, rubric, off_question=other.closest_prompt if other is not None else None,
            policy=policy)
        return grade

    def _other_story(self, rubric: Rubric, main: Answer) -> StoryFit | None:
        """The fit of a story that answers a different behavioral question, else None.

        Flagged when the story fits this question no better than the typical other
        behavioral question (z) and another question fits it far better (margin); both
        cut-offs are chosen on the bank's model answers and the training split
        (evals/fit_curve.py) so no on-topic story there is flagged.
        """
        max_z, max_margin = self.policy.off_question_max_z, self.policy.off_question_max_margin
        if max_z is None or max_margin is None or main.prepared is None \
                or rubric.star is None:  # not calibrated, or not a bank question
            return None
        fit = self.story_relevance.fit(rubric, main.prepared.vectors, main.raw)
        if fit is None or fit.z >= max_z or fit.margin >= max_margin:
            return None
        return fit
