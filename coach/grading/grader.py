"""The offline grader: rubric coverage from the bundled embeddings plus lexical cues.

How a score is made (technical and system-design questions):
  1. The answer is split into sentences (long ones into clauses); sentences that instruct the
     grader are removed and flagged, so they can never earn credit (`reading.py`).
  2. For each key point, the best window of 1-3 consecutive units around one of its anchors
     (the units most similar to it, and the one sharing most of its words) is found and described by
     coverage features (sentence similarity, question-demoted word overlap, soft word
     alignment, ...); a logistic model fitted on training data only turns them into the
     probability that the point is stated. That window is the quoted evidence. A compound
     point ("X; Y - Z") is also scored part by part and the two are averaged (`points.py`).
  3. Missed points may be recovered from follow-up answers (marked prompted, 80% credit).
  4. Weighted coverage goes through the shipped score curve to 0-5; each misconception
     detected (cut-offs fitted on training data, `misconceptions.py`) costs 0.75, each hint
     0.25; degenerate answers are capped (`technical.py`). A coding answer is mostly scored
     on its tests, run in the sandbox (`coding.py`); a story on STAR (`behavioral.py`).
Every number lives in `policy.py` with where it came from; the sentences in `feedback.py`.
This module wires the parts and is the one door the rest of the coach grades through.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from coach.embeddings import Embedder
from coach.grading.bank_vectors import ModelWindows
from coach.grading.behavioral import BehavioralGrader
from coach.grading.coding import CodeRuns
from coach.grading.features import Calibration, FeatureExtractor
from coach.grading.misconceptions import MisconceptionGrader
from coach.grading.models import CodeResult, Grade, Quote
from coach.grading.points import PointGrader
from coach.grading.policy import ScoringPolicy
from coach.grading.reading import Answer, AnswerReader, degenerate, zero_grade
from coach.grading.relevance import StoryRelevance
from coach.grading.rubric import Rubric, RubricMisconception
from coach.grading.technical import TechnicalGrader
from coach.grading.verdicts import VerdictRule
from coach.grading.verifier import Verdict3, Verifier, shared_verifier


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
        self.policy = ScoringPolicy.from_calibration(self.calibration)
        self.fx = FeatureExtractor(embedder)
        # verifier=True: the shipped one (when its weights are present); None/False: coverage
        # only, every addressed point then reads "unverified".
        self.verifier: Verifier | None = (
            shared_verifier() if verifier is True and shared_verifier().available
            else verifier if isinstance(verifier, Verifier) else None)
        self.rule = VerdictRule(self.calibration.data.get("verdict"))
        self.code_runs = CodeRuns(enabled=run_code, timeout=code_timeout,
                                  max_chars=self.policy.max_chars)
        self.reader = AnswerReader(self.fx)
        self.points = PointGrader(embedder, self.fx, self.calibration, self.rule,
                                  self.verifier, self.policy, self.reader)
        self.misconceptions = MisconceptionGrader(embedder, self.points, self.reader,
                                                  self.policy)
        self.technical = TechnicalGrader(embedder, self.calibration, self.reader, self.points,
                                         self.misconceptions, self.code_runs, self.policy)
        self.behavioral = BehavioralGrader(embedder, self.reader, self.points,
                                           self.story_relevance, self.policy)

    @property
    def windows(self) -> ModelWindows | None:
        """The bank's model-answer windows, shipped beside its vectors (set when wiring)."""
        return self.points.windows

    @windows.setter
    def windows(self, windows: ModelWindows | None) -> None:
        self.points.windows = windows

    @property
    def run_code(self) -> bool:
        """Whether coding answers' tests are run in the sandbox."""
        return self.code_runs.enabled

    # -- grading ----------------------------------------------------------------------------

    def grade(self, rubric: Rubric, answer: str, *, followups: Sequence[str] = (),
              hints_used: int = 0) -> Grade:
        answer = answer if isinstance(answer, str) else str(answer)
        flags: list[str] = []
        if len(answer) > self.policy.max_chars:
            flags.append("very-long")
        text = answer[:self.policy.max_chars]
        early = degenerate(text)
        if early:
            return zero_grade(rubric, early, hints_used)
        part = self.behavioral if rubric.kind == "behavioral" else self.technical
        return part.grade(rubric, text, followups, hints_used, flags)

    def warm_batch(self, pairs: Sequence[tuple[Rubric, str]]) -> None:
        """Prepare a batch of (rubric, answer) grades: coding answers start running in the
        sandbox (subprocesses, on the cores the embedding model leaves free) while every
        text the batch needs is embedded in one call."""
        self.code_runs.start(pairs)
        unique = {id(r): r for r, _ in pairs}
        self.warm(list(unique.values()), [a for _, a in pairs])

    def warm(self, rubrics: Sequence[Rubric], answers: Sequence[str] = ()) -> None:
        """Embed every text a batch of grades will need in one call (batch throughput)."""
        self.points.warm(rubrics, answers)

    def reuse_code(self, question_id: str, answer: str, result: CodeResult) -> None:
        """A coding run recorded earlier for this answer: the next grade of it uses `result`
        instead of running the code again (a resumed session never re-runs code)."""
        self.code_runs.reuse(question_id, answer, result)

    # -- the readings the rules are fitted on (evals/fit_curve.py, evals/fit_verdicts.py) ----

    def read_answer(self, rubric: Rubric, answer: str) -> Answer:
        """An answer as a grade reads it (split, screened, embedded): what
        `claim_and_correction` and the story check (`story_relevance.fit`) take; the rules
        on them are fitted with it (evals/fit_curve.py)."""
        return self.reader.read(answer[:self.policy.max_chars], rubric, "answer", [])

    def point_evidence(self, rubric: Rubric, answer: str
                       ) -> list[tuple[float, Verdict3 | None, Quote | None]]:
        """Coverage, verifier probabilities and window of every key point in one answer, before
        any verdict: what the verdict rule is fitted on (evals/fit_verdicts.py)."""
        return self.points.point_evidence(rubric, self.read_answer(rubric, answer))

    def misconception_evidence(self, rubric: Rubric, answer: str
                               ) -> list[tuple[float, float, Verdict3 | None, Verdict3 | None]]:
        """Per misconception: (claim coverage, correction coverage, verifier on claim, on
        correction) at the claim's window — what the misconception cut-off is fitted on."""
        return self.misconceptions.evidence(rubric, self.read_answer(rubric, answer))

    def claim_and_correction(self, ans: Answer, m: RubricMisconception, rubric: Rubric,
                             min_claim: float) -> tuple[float, float, Quote] | None:
        """How clearly an answer states a misconception's claim and its correction, with the
        clause that makes the claim (see `MisconceptionGrader.claim_and_correction`)."""
        return self.misconceptions.claim_and_correction(ans, m, rubric, min_claim)

    def model_windows(self, rubric: Rubric) -> dict[str, str]:
        """Each key point's words in the model answer: shipped with the bank, else found."""
        return self.points.model_windows(rubric)

    def find_model_windows(self, rubric: Rubric) -> dict[str, str]:
        """Each key point's words in the model answer, found with the embeddings (what
        `coach knowledge build-vectors` ships in model-windows.json)."""
        return self.points.find_model_windows(rubric)
