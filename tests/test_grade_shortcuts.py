"""What a grade skips to be fast changes nothing a user sees.

Two shortcuts: the model-answer words shown beside an unverified point come from the file
shipped with the bank (finding them means embedding the whole model answer), and the
verifier is not asked about windows too far from a point for its reading to matter.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from coach.grading.bank_vectors import ModelWindows, window_key, windows_path
from coach.grading.features import Calibration
from coach.grading.grader import Grader
from coach.grading.rubric import rubric_for
from coach.grading.text import clean
from coach.grading.verdicts import VerdictRule
from coach.grading.verifier import Verdict3
from coach.paths import knowledge_dir

WRONG_BIAS = ("Bias is when the model treats some groups unfairly, and variance is just the "
              "spread of the training labels. The error is simply bias plus variance, nothing "
              "else, so a perfect model can reach zero error. If there is a big gap between "
              "training and test error that means high bias.")
ANSWERS = [
    ("bias-variance-tradeoff-1", WRONG_BIAS),
    ("bias-variance-tradeoff-1", "Simple models underfit and complex ones overfit; I would "
                                 "watch validation error as I add capacity."),
    ("rnn-lstm-3", "A GRU has three gates and a separate cell state, so it has more "
                   "parameters than an LSTM. GRUs are always better because they are newer."),
    ("rnn-lstm-3", "GRUs merge the forget and input gates into one update gate and drop the "
                   "separate cell state, so they train a little faster; which wins depends on "
                   "the data, so I try both."),
]


def _shipped(grader: Grader) -> Grader:
    grader.windows = ModelWindows(windows_path(knowledge_dir()))
    return grader


def _view(grade: Any) -> str:
    """Everything a user is shown (the verifier's probabilities of points it was not asked
    about are not shown anywhere)."""
    data = grade.model_dump(mode="json")
    for k in data["key_points"]:
        if k["verdict"] == "absent":
            k["verifier"] = None
    return json.dumps(data, sort_keys=True)


def test_shipped_windows_are_the_ones_the_grader_would_find(kb, embedder) -> None:  # type: ignore[no-untyped-def]
    shipped = ModelWindows(windows_path(knowledge_dir()))
    live = Grader(embedder, run_code=False, verifier=False)
    # A sample (each question costs ~0.7 s): `coach knowledge check` compares all keys.
    questions = sorted(kb.questions.items())[::165]
    for _, bq in questions:
        rubric = rubric_for(bq.question)
        found = live.find_model_windows(rubric)
        for point in rubric.points:
            assert shipped.get(window_key(rubric, point)) == found.get(point.id, ""), \
                (rubric.question_id, point.id)


def test_an_unverified_point_shows_the_model_answer_without_embedding_it(
        kb, embedder, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    grader = _shipped(Grader(embedder, run_code=False))
    rubric = rubric_for(kb.question("bias-variance-tradeoff-1").question)
    seen: list[str] = []
    encode = embedder.encode

    def spy(texts: Any, *args: Any, **kwargs: Any) -> Any:
        seen.extend(texts)
        return encode(texts, *args, **kwargs)

    monkeypatch.setattr(embedder, "encode", spy)
    grade = grader.grade(rubric, WRONG_BIAS)
    unverified = [k for k in grade.key_points if k.verdict == "unverified"]
    assert unverified and all(k.reference and k.reference in rubric.model_answer
                              for k in unverified)
    units, _ = grader.fx.unit_texts(rubric.model_answer, rubric.prompt)
    sentences = {clean(u.text)[:1000] for u in units}
    assert len(sentences) > 3 and not sentences & set(seen)


def test_a_question_edited_after_the_windows_were_built_finds_its_own(kb, embedder) -> None:  # type: ignore[no-untyped-def]
    grader = _shipped(Grader(embedder, run_code=False))
    rubric = rubric_for(kb.question("bias-variance-tradeoff-1").question)
    edited = rubric.__class__(**{**rubric.__dict__, "model_answer":
                                 "Bias is the error of a model too simple for the data. "
                                 + rubric.model_answer})
    grade = grader.grade(edited, WRONG_BIAS)
    refs = [k.reference for k in grade.key_points if k.verdict == "unverified"]
    assert refs and all(r and r in edited.model_answer for r in refs)


@pytest.mark.parametrize("qid,answer", ANSWERS)
def test_skipping_the_verifier_far_from_a_point_changes_no_grade(
        kb, embedder, monkeypatch: pytest.MonkeyPatch, qid: str, answer: str) -> None:  # type: ignore[no-untyped-def]
    rubric = rubric_for(kb.question(qid).question)
    fast = _shipped(Grader(embedder, run_code=False))
    quick = fast.grade(rubric, answer)
    monkeypatch.setattr(VerdictRule, "absent_whatever", lambda *a, **k: False)
    full = _shipped(Grader(embedder, run_code=False)).grade(rubric, answer)
    assert _view(quick) == _view(full)


def test_absent_whatever_the_verifier_says_is_exact() -> None:
    """Never skips a window some verifier output would credit (or call contradicted)."""
    rule = VerdictRule(Calibration.load().data.get("verdict"))
    grid = [i / 20 for i in range(21)]
    outputs = [Verdict3(e, c, round(1 - e - c, 4)) for e in grid for c in grid if e + c <= 1]
    conflicts = list(itertools.product((0.0, 1.0), repeat=3))
    skipped = answered = 0
    for coverage in [i / 100 for i in range(15, 100)]:
        for conf in conflicts:
            verdicts = {rule.read(coverage, v, conf).verdict for v in outputs}  # type: ignore[arg-type]
            if rule.absent_whatever(coverage, conf):  # type: ignore[arg-type]
                skipped += 1
                assert verdicts == {"absent"}, (coverage, conf)
            else:
                answered += 1
    assert skipped and answered  # the shipped rule skips low coverage, reads the rest
