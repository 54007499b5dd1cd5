"""Quality checks on the shipped knowledge base: validity, coverage, shape and redundancy.

They run against the real `knowledge/` folder with the bundled MiniLM model and the real
offline grader, so a note or question that breaks one of them is a content defect to fix.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import yaml
from cli_support import run_cli

from coach.grading.models import Grade
from coach.grading.rubric import rubric_for
from coach.grading.text import split_units
from coach.knowledge.models import DIFFICULTIES, ROLES, TRACKS
from coach.paths import REPO_ROOT

# Two prompts above this cosine are the same question reworded. Measured on the 507 prompts:
# nearest-neighbour similarity has median 0.52, 95th percentile 0.70, 99th 0.76. The one
# pair above 0.80 (0.910: two "what is training-serving skew, its causes, detection and
# prevention" prompts) was a true duplicate. Between 0.66 and 0.76 true rewordings and
# related-but-different questions interleave: 0.762 "design a real-time card-fraud scorer"
# vs "which fraud features, served in milliseconds"; 0.744 full-batch linear GD vs
# mini-batch ridge GD; 0.736 "how do ML engineer and data scientist roles differ" vs "why
# this role rather than a neighbouring one" are different questions, while 0.759, 0.709,
# 0.687, 0.683 and 0.657 were rewordings of "the churn AUC is too good" and "offline gain,
# no A/B lift". Every pair above 0.66 was read by hand and the rewordings were given a new
# angle; this threshold sits in the empty gap above 0.762 and catches close rewordings
# (test_the_duplicate_check_can_fail) without flagging different questions.
NEAR_DUPLICATE_PROMPT = 0.80

# Two key points of one question above this cosine say the same thing. Over the 4,484
# within-question pairs: median 0.34, 99th percentile 0.70, maximum 0.887. The top pairs
# were read and are distinct statements built on a shared template (0.887 "log(y) on x:
# multiplies y by e^beta" vs "y on log(x): beta/100 units per 1%"; 0.819 when to prefer
# random projections vs how PCA and random projections differ). Close rewordings of one key
# point score 0.89-0.94; looser paraphrases can fall to 0.7, where this check cannot tell
# them from distinct points, so it guards against copy-and-tweak repeats only.
NEAR_DUPLICATE_KEY_POINT = 0.90

# A key point counts as stated in its model answer when one sentence, or two adjacent
# sentences, of the answer reach this cosine with it (behavioral answers excluded, see the
# test). Over 2,199 key points the best own-answer window has median 0.72, 1st percentile
# 0.42; against the answer of a random other question the same key points score median 0.27,
# 90th percentile 0.39, 95th 0.43. At 0.35 only 18% of unrelated answers pass, so a point
# the answer never mentions is caught. The four key points below it were read: two were real
# gaps (rag-systems-6 access control, design-recommendation-system-3 item cold start; both
# now stated), one bundled three caveats spread over three sentences (logistic-regression-2,
# now summarised in one), one is a sentence-splitter miss (see SPLITTER_MISSES). A stricter
# 0.40 (7% of unrelated answers pass) also flagged eleven terse outline answers that did
# state the point, e.g. "Serving: weekly batch on one machine" for "the data fits on one
# machine" (when the threshold was chosen; eight outlines were later written out in full).
KEY_POINT_IN_ANSWER = 0.35

STRONG = 4.0


_NUMBER_WORDS = (r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|"
                 r"thirty|forty|fifty|sixty|hundred|thousand|million|half|double|doubled|"
                 r"halved|twice)\b")
_REFLECTION = re.compile(
    r"\b(i learn(ed|t)|lessons?|takeaway|in hindsight|looking back|next time|"
    r"i'?d (do|change)|i would (now|do|change)|if i (did|rewrote|were)|with more time|"
    r"i now|now i|today i|since then|taught me|i( have|'ve) learned|i reali[sz]ed|my line is|"
    r"what worked)\b"
    .replace(" ", r"\s+"), re.IGNORECASE)


def _coach(*args: str) -> subprocess.CompletedProcess[str]:
    """`coach ARGS` through its real entry point, in this process."""
    return run_cli(*args)


def _pairs_above(vectors: np.ndarray, threshold: float) -> Iterator[tuple[int, int, float]]:
    sims = vectors @ vectors.T
    rows, cols = np.where(np.triu(sims, k=1) > threshold)
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        yield i, j, float(sims[i, j])


def _sentences(answer: str) -> list[str]:
    return [u.text for u in split_units(answer)]


def _pairs(answer: str) -> list[str]:
    """Each pair of adjacent sentences."""
    units = split_units(answer)
    return [answer[a.start:b.end] for a, b in zip(units, units[1:], strict=False)]


@pytest.fixture(scope="module")
def stats() -> dict[str, Any]:
    proc = _coach("knowledge", "stats", "--json")
    assert proc.returncode == 0, proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


@pytest.fixture(scope="module")
def questions(kb):  # type: ignore[no-untyped-def]
    """Every question. Each check embeds what it needs: the model answers' sentences
    (thousands of texts, minutes of CPU) only for the one check that reads them, not on every
    worker that runs any test of this module."""
    return [bq.question for bq in kb.questions.values()]


# -- 1. validity --------------------------------------------------------------------------


def test_knowledge_check_passes() -> None:
    # Every reference solution runs in test_coding_references.py, each a test of its own;
    # running them here again would only repeat those 69 sandbox runs.
    proc = _coach("knowledge", "check", "--no-run-code")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("ok: ")


# -- 2. coverage --------------------------------------------------------------------------


def test_topic_list_covers_the_shared_list() -> None:
    """Every seed slug stays; new slugs (LLM systems, coding rounds...) may be added."""
    ours = yaml.safe_load((REPO_ROOT / "knowledge" / "topics.yaml").read_text("utf-8"))["topics"]
    shared = REPO_ROOT.parent / "shared" / "topics.md"
    if not shared.exists():
        pytest.skip("the shared topic list is not beside the repository")
    theirs = re.findall(r"^- `([a-z0-9-]+)`", shared.read_text("utf-8"), re.MULTILINE)
    assert theirs, "no topic slugs found in the shared list"
    assert set(theirs) <= set(ours), sorted(set(theirs) - set(ours))


def test_every_topic_is_covered_by_a_note(stats: dict[str, Any], kb) -> None:  # type: ignore[no-untyped-def]
    assert stats["topics_missing"] == []
    assert set(kb.topics) <= set(stats["topics"])


def test_enough_notes_and_questions(stats: dict[str, Any]) -> None:
    assert stats["notes"] >= 90
    assert stats["questions"] >= 450
    assert stats["by_kind"].get("behavioral", 0) >= 40
    assert stats["by_kind"].get("system_design", 0) >= 15
    assert stats["by_kind"].get("coding", 0) >= 15
    # The bank of 2026 (issue 14): LLM systems, a real coding round, staff-level design.
    assert stats["questions"] >= 640
    assert stats["by_track"]["genai"] >= 125
    assert stats["by_kind"]["coding"] >= 65
    assert stats["by_kind"]["system_design"] >= 44
    assert stats["by_kind"]["behavioral"] >= 60


def test_every_role_is_tagged_on_enough_questions(stats: dict[str, Any]) -> None:
    short = {r: stats["by_role"].get(r, 0) for r in ROLES if stats["by_role"].get(r, 0) < 60}
    assert short == {}


def test_every_track_has_every_difficulty(stats: dict[str, Any]) -> None:
    assert set(stats["difficulty_by_track"]) == set(TRACKS)
    gaps = [f"{track}: no {level}" for track, counts in stats["difficulty_by_track"].items()
            for level in DIFFICULTIES if not counts.get(level)]
    assert gaps == []


# -- 3. shape -----------------------------------------------------------------------------


def test_notes_are_sized_and_sectioned(kb) -> None:  # type: ignore[no-untyped-def]
    bad = [f"{n.path}: {n.word_count} words" for n in kb.notes.values()
           if not 300 <= n.word_count <= 900]
    bad += [f"{n.path}: no '##' section" for n in kb.notes.values()
            if not re.search(r"^## \S", n.body, re.MULTILINE)]
    assert bad == []


def test_technical_questions_are_well_formed(questions) -> None:  # type: ignore[no-untyped-def]
    bad = []
    for q in (q for q in questions if q.kind == "technical"):
        n = len(q.model_answer.split())
        if not 120 <= n <= 300:
            bad.append(f"{q.id}: model answer has {n} words")
        if not 3 <= len(q.key_points) <= 6:
            bad.append(f"{q.id}: {len(q.key_points)} key points")
        if not 1 <= len(q.hints) <= 3:
            bad.append(f"{q.id}: {len(q.hints)} hints")
    assert bad == []


def test_behavioral_answers_quantify_the_result_and_reflect(questions) -> None:  # type: ignore[no-untyped-def]
    bad = []
    for q in (q for q in questions if q.kind == "behavioral"):
        if not re.search(r"\d|" + _NUMBER_WORDS, q.model_answer, re.IGNORECASE):
            bad.append(f"{q.id}: no number in the result")
        if not _REFLECTION.search(q.model_answer):
            bad.append(f"{q.id}: no reflection")
    assert bad == []


def test_the_behavioral_check_can_fail() -> None:
    story = "We had a slow pipeline. I rewrote the join and the job got faster."
    assert not re.search(r"\d|" + _NUMBER_WORDS, story, re.IGNORECASE)
    assert not _REFLECTION.search(story)


# -- 4-5. redundancy ----------------------------------------------------------------------


def test_no_two_questions_are_near_duplicates(questions, embedder) -> None:  # type: ignore[no-untyped-def]
    vectors = embedder.encode([q.prompt for q in questions], persist=True)  # rubric texts
    dupes = [f"{questions[i].id} ~ {questions[j].id}: {s:.3f}"
             for i, j, s in _pairs_above(vectors, NEAR_DUPLICATE_PROMPT)]
    assert dupes == []


def test_the_duplicate_check_can_fail(questions, embedder) -> None:  # type: ignore[no-untyped-def]
    """A reworded copy of a real prompt lands above the threshold."""
    prompt = next(q.prompt for q in questions if q.id == "feature-store-2")
    reworded = ("What is training-serving skew, what causes it in practice, and how would you "
                "detect and prevent it in a live system?")
    a, b = embedder.encode([prompt, reworded])
    assert float(a @ b) > NEAR_DUPLICATE_PROMPT


def test_key_points_of_a_question_do_not_repeat(questions, embedder) -> None:  # type: ignore[no-untyped-def]
    repeats = []
    for q in (q for q in questions if len(q.key_points) > 1):
        # Rubric texts: read from the bank's shipped vectors, as a grade reads them.
        vectors = embedder.encode([k.text for k in q.key_points], persist=True)
        repeats += [f"{q.id}: {q.key_points[i].id} ~ {q.key_points[j].id}: {s:.3f}"
                    for i, j, s in _pairs_above(vectors, NEAR_DUPLICATE_KEY_POINT)]
    assert repeats == []


def test_the_key_point_check_can_fail(embedder) -> None:  # type: ignore[no-untyped-def]
    a, b = embedder.encode([
        "MAE is the mean of absolute errors; RMSE is the square root of the mean of squared "
        "errors; both are in the target's units.",
        "MAE averages the absolute errors and RMSE takes the root of the mean squared error; "
        "both are expressed in the units of the target."])
    assert float(a @ b) > NEAR_DUPLICATE_KEY_POINT


# -- 6. model answers cover their key points -------------------------------------------


def _grades(questions, grader, kind: str) -> dict[str, Grade]:  # type: ignore[no-untyped-def]
    chosen = [q for q in questions if q.kind == kind]
    rubrics = [rubric_for(q) for q in chosen]
    # As `coach grade --batch` does: every text embedded in one call, code runs started
    # together, then each answer graded.
    grader.warm_batch([(r, q.model_answer) for q, r in zip(chosen, rubrics, strict=True)])
    return {q.id: grader.grade(r, q.model_answer) for q, r in zip(chosen, rubrics, strict=True)}


# Grader misses, not answer faults: model answers that the key-point verdicts (issue 13) put
# at 3.7-3.9, because the offline verifier reads some of their correct paraphrases as
# "addressed, not verified" (credited at their probability, below the ✓ cut-off). Measured
# on 7 Dec 2026 with verifier v3; each still grades "good". Shrink this list, never grow it.
KNOWN_GRADER_MISSES = {
    "behavioral-impact-6", "choosing-metrics-1", "feature-selection-2", "feature-selection-3",
    "llm-fine-tuning-4", "ml-basics-4", "overfitting-underfitting-4", "prompt-injection-3",
    "rag-systems-4", "svm-6", "vanishing-exploding-gradients-3", "case-sales-forecasting-2",
    "design-real-time-prediction-1",
}


# The model answers are graded, then read sentence by sentence, on one worker in this order
# (`--dist loadgroup`): the last test finds most sentences in the embedder's cache (the prose
# of the coding answers too: reading them cold cost it 17 s more).
MODEL_ANSWERS = pytest.mark.xdist_group("bank-model-answers")


@MODEL_ANSWERS
@pytest.mark.parametrize("kind", ["technical", "system_design", "behavioral"])
def test_model_answers_grade_strong(questions, grader, kind: str) -> None:  # type: ignore[no-untyped-def]
    grades = _grades(questions, grader, kind)
    assert grades
    # No model answer reads as off its own question (for a behavioral story: as the answer
    # to another behavioral question of the bank).
    assert [qid for qid, g in grades.items() if "off-topic" in g.flags] == []
    low = {qid: g.score for qid, g in grades.items()
           if g.score < STRONG and qid not in KNOWN_GRADER_MISSES}
    assert low == {}
    missed = {qid: g.score for qid, g in grades.items() if qid in KNOWN_GRADER_MISSES}
    assert all(score >= 3.5 for score in missed.values()), missed


@MODEL_ANSWERS
def test_coding_model_answers_pass_and_grade_strong(questions, grader) -> None:  # type: ignore[no-untyped-def]
    grades = _grades(questions, grader, "coding")
    assert grades
    failing = {qid: (g.code.passed, g.code.total, g.code.error) for qid, g in grades.items()
               if g.code is None or not g.code.total or g.code.passed < g.code.total}
    assert failing == {}
    low = {qid: g.score for qid, g in grades.items() if g.score < STRONG}
    assert low == {}


# The answer states the point, but split_units does not split after a closing quote
# ('...revisit that."' + newline + 'I keep the scope to the feed MVP'), so the point's sentence is
# glued to an unrelated quotation. Reported to the grader's owner.
SPLITTER_MISSES = {"system-design-framework-2/scope-mvp"}


@MODEL_ANSWERS
def test_model_answers_state_each_key_point(questions, embedder) -> None:  # type: ignore[no-untyped-def]
    # Behavioral key points describe the story ("the candidate separates their own part from
    # the team's"), not facts a sentence can match; the grader test above covers them.
    # A point is stated when one sentence, or a pair of adjacent sentences, is close enough.
    # Sentences are embedded for every question (one batch), the longer pairs only for a
    # question with a point no sentence reaches: the same check, a third of the embedding.
    # Key points are rubric texts: their vectors come from the bank's shipped file.
    weak = []
    chosen = [q for q in questions if q.kind != "behavioral"]
    embedder.encode(list(dict.fromkeys(k.text for q in chosen for k in q.key_points)),
                    persist=True)
    embedder.encode(list(dict.fromkeys(t for q in chosen for t in _sentences(q.model_answer))))
    for q in chosen:
        points = embedder.encode([k.text for k in q.key_points])
        best = (points @ embedder.encode(_sentences(q.model_answer)).T).max(axis=1)
        pairs = _pairs(q.model_answer)
        if (best < KEY_POINT_IN_ANSWER).any() and pairs:
            best = np.maximum(best, (points @ embedder.encode(pairs).T).max(axis=1))
        weak += [f"{q.id}/{k.id}: {b:.3f}" for k, b in zip(q.key_points, best, strict=True)
                 if b < KEY_POINT_IN_ANSWER and f"{q.id}/{k.id}" not in SPLITTER_MISSES]
    assert weak == []


# -- 7. tests that test what they are named for ---------------------------------------------


def test_moving_average_precision_tests_catch_a_plain_prefix_sum(kb) -> None:  # type: ignore[no-untyped-def]
    """code-metrics-numpy-2 asks for accuracy after a huge value: the textbook cumsum answer,
    right on ordinary data, must fail exactly the tests named for that problem."""
    from coach.grading.sandbox import run_tests

    question = kb.question("code-metrics-numpy-2").question
    plain = ("import numpy as np\n\n"
             "def moving_average(x, window):\n"
             "    if window <= 0 or window > len(x):\n"
             "        return []\n"
             "    c = np.cumsum(np.concatenate(([0.0], np.asarray(x, dtype=float))))\n"
             "    return ((c[window:] - c[:-window]) / window).tolist()\n")
    result = run_tests(question, plain)
    failed = {t.name for t in result.tests if not t.passed}
    assert failed == {"large then small values", "a spike does not leak into later windows"}
