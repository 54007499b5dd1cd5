"""A ✓ means "the answer states this, correctly, here": verdicts per key point.

The GRU and LSTM answers below are the cases the issue reported: on-topic, wrong answers that
the old grader credited, quoting the sentence that says the opposite as evidence.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from swap_support import exchanged

from coach.grading.grader import Grader
from coach.grading.models import GRADE_VERSION, Grade
from coach.grading.rubric import adhoc_rubric, asks_for_story, rubric_for
from coach.interview.followups import choose_followup

pytestmark = pytest.mark.slow

GRU_WRONG = ("A GRU has three gates and a separate cell state, so it has more parameters than "
             "an LSTM. GRUs are always better because they are newer.")
LSTM_WRONG = ("You never need padding for LSTMs because they process each token "
              "independently, so each document can go through on its own. Truncation to 5 "
              "tokens is the best way to handle the long ones.")


def _points(grade: Grade) -> dict[str, str]:
    return {k.id: k.verdict for k in grade.key_points}


def _no_tick_on_wrong_words(grade: Grade, wrong: str) -> None:
    """No key point is credited (✓ or ~) on the strength of the sentence that says its
    opposite: the offline grader may call it unverified, or wrong, never covered."""
    for k in grade.key_points:
        if k.id in ("gru-structure", "fewer-params", "pad-mask"):
            assert k.verdict not in ("stated", "partial"), (k.id, k.verdict, k.evidence)
            assert k.status != "covered"


def test_gru_answer_that_says_the_opposite_earns_no_tick(grader: Grader, kb) -> None:  # type: ignore[no-untyped-def]
    q = kb.question("rnn-lstm-3").question
    grade = grader.grade(rubric_for(q), GRU_WRONG)
    _no_tick_on_wrong_words(grade, GRU_WRONG)
    assert not any(k.verdict == "stated" for k in grade.key_points)
    assert grade.score < 2.0 and grade.level in ("no credit", "weak")
    for k in grade.key_points:  # what is shown is the candidate's exact words
        if k.evidence is not None:
            assert GRU_WRONG[k.evidence.start:k.evidence.end] == k.evidence.text


def test_lstm_padding_answer_is_not_credited(grader: Grader, kb) -> None:  # type: ignore[no-untyped-def]
    q = kb.question("rnn-lstm-4").question
    grade = grader.grade(rubric_for(q), LSTM_WRONG)
    _no_tick_on_wrong_words(grade, LSTM_WRONG)
    assert grade.score < 2.5  # it was 3.3 "good" with pad-mask ✓ before verdicts


def test_a_contradicted_point_is_challenged_before_missed_points(grader: Grader, kb) -> None:  # type: ignore[no-untyped-def]
    from coach.providers.combine import CombinedGrader
    from coach.providers.fake import FakeProvider

    q = kb.question("rnn-lstm-4").question
    judge = FakeProvider([{"points": [
        {"id": "pad-mask", "verdict": "contradicted",
         "quote": "You never need padding for LSTMs"},
        {"id": "bucketing-truncation", "verdict": "absent", "quote": ""}],
        "wrong_claims": [], "gap": ""}])
    grade = CombinedGrader(grader, judge).grade(rubric_for(q), LSTM_WRONG)
    assert [k.id for k in grade.contradicted] == ["pad-mask"]
    follow = choose_followup(q, grade, set())
    assert follow is not None and follow.kind == "contradiction" and follow.target == "pad-mask"
    # It quotes the candidate and does not hand over the answer.
    assert "“You never need padding for LSTMs”" in follow.text
    assert "mask" not in follow.text.lower()
    # Once challenged, the missed points come next.
    after = choose_followup(q, grade, {"pad-mask"})
    assert after is not None and after.kind in ("missed", "misconception")


def test_correct_paraphrase_is_stated_with_its_own_words_as_evidence(grader: Grader, kb) -> None:  # type: ignore[no-untyped-def]
    q = kb.question("rnn-lstm-3").question
    answer = ("The GRU folds the LSTM's forget and input gates into a single update gate and "
              "adds a reset gate, and it keeps just one state vector instead of a separate "
              "cell. With one gate block fewer it has roughly a quarter fewer weights, so it "
              "trains a bit faster. Neither wins in general: I would try both on a validation "
              "set.")
    grade = grader.grade(rubric_for(q), answer)
    verdicts = _points(grade)
    assert verdicts["gru-structure"] in ("stated", "partial"), verdicts
    assert verdicts["fewer-params"] in ("stated", "partial"), verdicts
    assert not grade.misconceptions
    assert grade.score > 2.5


def test_keyword_list_earns_nothing_even_after_a_filler_sentence(grader: Grader, kb) -> None:  # type: ignore[no-untyped-def]
    rubric = rubric_for(kb.question("overfitting-underfitting-2").question)
    bare = "regularization, dropout, early stopping, more data, cross-validation, simpler model"
    filler = "That is a good question and I have thought about it a lot. " + bare
    assert grader.grade(rubric, bare).score <= 1.0
    assert grader.grade(rubric, filler).score <= 1.0


NB_NOTES = ("- unseen word w in class c -> MLE count 0 -> P(w|c) = 0 -> product = 0, other "
            "words can't rescue it\n"
            "- fix: add-alpha, P(w|c) = (n_wc + a)/(n_c + aV); a=1 Laplace, tune a by CV\n"
            "- long docs: hundreds of ~1e-4 factors underflow a double -> 0.0\n"
            "- fix: log P(c) + sum log P(w|c), compare sums\n"
            "- need posteriors? softmax log scores via log-sum-exp")
GINI_WORKED = ("Gini = 1 - sum p^2. parent 20/20: 1 - .25 - .25 = .5\n"
               "left 15/5 -> 1 - .5625 - .0625 = .375, right 5/15 = .375\n"
               "weighted = .5(.375) + .5(.375) = .375 -> gain = .125")


def test_correct_notes_with_arrows_and_formulas_keep_their_credit(grader: Grader, kb) -> None:  # type: ignore[no-untyped-def]
    """Terse notes that relate their terms with arrows and formulas state claims: they are
    neither a keyword list nor a word salad, and worked arithmetic is not gibberish."""
    grade = grader.grade(rubric_for(kb.question("naive-bayes-3").question), NB_NOTES)
    assert "keyword-list" not in grade.flags
    assert grade.score >= 3.0, (grade.score, _points(grade))  # capped at 0.5 before
    worked = grader.grade(rubric_for(kb.question("decision-trees-1").question), GINI_WORKED)
    assert "gibberish" not in worked.flags
    assert worked.score > 0.0


GRU_NOTES = ("GRU: 2 gates (update, reset), no separate cell state, merges forget+input. "
             "Fewer params than LSTM -> faster, less data needed. Update gate interpolates "
             "old/new state. Which wins = empirical, try both.")


def test_notes_that_list_inside_their_claims_are_not_a_keyword_list(grader: Grader, kb) -> None:  # type: ignore[no-untyped-def]
    """Commas inside a claim ("2 gates (update, reset)") do not make correct notes a bare
    list: their sentences relate terms. Capped at 0.5 as a keyword list before; a bare list
    of the same terms, one per line, still is one."""
    rubric = rubric_for(kb.question("rnn-lstm-3").question)
    grade = grader.grade(rubric, GRU_NOTES)
    assert "keyword-list" not in grade.flags
    assert grade.score >= 3.5, (grade.score, _points(grade))
    bare = grader.grade(rubric, "GRU\nupdate gate, reset gate\nfewer params\nLSTM\ncell state")
    assert "keyword-list" in bare.flags and bare.score <= 1.0


def test_a_misconception_is_quoted_by_its_own_sentence_and_never_ticks_a_point(
        grader: Grader, kb) -> None:  # type: ignore[no-untyped-def]
    """The flagged misconception quotes the sentence that makes it (not its neighbours), and
    no key point is credited on those words; a point stated in another sentence keeps its
    credit there."""
    answer = ("Training and validation error are both high and close, so the model is "
              "underfitting, it has high bias. More data always fixes underfitting, so I would "
              "collect more training examples.")
    grade = grader.grade(rubric_for(kb.question("overfitting-underfitting-5").question), answer)
    [hit] = grade.misconceptions
    assert hit.evidence.text.startswith("More data always fixes underfitting")
    for k in grade.key_points:
        if k.verdict in ("stated", "partial", "unverified") and k.evidence is not None:
            assert k.evidence.end <= hit.evidence.start or k.evidence.start >= hit.evidence.end
    assert _points(grade)["underfit-diagnosis"] in ("stated", "partial")


def test_confidently_wrong_answer_in_the_questions_words_is_not_good(
        grader: Grader, kb) -> None:  # type: ignore[no-untyped-def]
    """Every sentence is on topic and wrong: the listed misconception (bias as unfairness) is
    flagged although a negation sits in a later sentence of its window, and no point is
    ticked on the words that make it."""
    answer = ("Bias is when the model treats some groups unfairly, and variance is just the "
              "spread of the training labels. The error is simply bias plus variance, nothing "
              "else, so a perfect model can reach zero error. If there is a big gap between "
              "training and test error that means high bias. Making the model bigger reduces "
              "variance, and adding more training data is the fix for underfitting.")
    grade = grader.grade(rubric_for(kb.question("bias-variance-tradeoff-1").question), answer)
    [hit] = grade.misconceptions
    assert hit.evidence.text.startswith("Bias is when the model treats some groups unfairly")
    for k in grade.key_points:
        if k.verdict == "stated" and k.evidence is not None:
            assert k.evidence.end <= hit.evidence.start or k.evidence.start >= hit.evidence.end
    assert grade.score < 2.5 and grade.level not in ("good", "strong")


L1_L2_RIGHT = (
    "L2 adds lambda times the sum of squared weights to the loss, and L1 adds lambda times the "
    "sum of the absolute values of the weights. The gradient of the L2 penalty is 2 lambda w, "
    "so it gets weaker as a weight gets small: weights shrink towards zero but almost never hit "
    "it exactly. L1's gradient has a constant size lambda whatever the weight, so it keeps "
    "pushing small weights and can drive them exactly to zero. Geometrically the L1 constraint "
    "is a diamond with corners on the axes, and the loss contours tend to touch it at a corner, "
    "where some weights are zero; the L2 ball is round. So L1 does feature selection, L2 "
    "spreads weight across correlated features and is more stable, and elastic net mixes the "
    "two.")
L1_L2_SWAPPED = (
    "L1 adds the sum of squared weights to the loss and L2 adds the sum of absolute weights. "
    "The L2 penalty's gradient is constant, so it drives weights exactly to zero, while L1's "
    "gradient vanishes near zero, so L1 weights shrink but never reach zero. Geometrically the "
    "L2 constraint region is a diamond with corners on the axes and the L1 ball is round. So "
    "L2 gives built-in feature selection and L1 spreads weight across correlated features.")


def test_an_answer_that_swaps_l1_and_l2_is_wrong_on_each_point(grader: Grader, kb) -> None:  # type: ignore[no-untyped-def]
    """Every word of every point is there, attached to the other penalty: it graded 4.9
    "strong" with three ✓ before the roles were compared. Each point is now wrong, shown on
    the sentence that swaps it; the same answer with the roles right stays strong."""
    rubric = rubric_for(kb.question("regularization-1").question)
    swapped = grader.grade(rubric, L1_L2_SWAPPED)
    assert _points(swapped) == {"penalties": "contradicted", "gradient-argument": "contradicted",
                                "geometry": "contradicted", "use-cases": "contradicted"}
    assert swapped.score < 1.0 and swapped.level == "no credit"
    for k in swapped.key_points:
        assert k.evidence is not None and ("L1" in k.evidence.text and "L2" in k.evidence.text)
        assert L1_L2_SWAPPED[k.evidence.start:k.evidence.end] == k.evidence.text
    right = grader.grade(rubric, L1_L2_RIGHT)
    assert "contradicted" not in _points(right).values() and right.score >= 4.5


def test_swapped_precision_and_recall_earn_nothing(grader: Grader, kb) -> None:  # type: ignore[no-untyped-def]
    """Each definition and example given to the other metric, in the question's own words:
    it graded 4.9 "strong" with four ✓."""
    answer = ("Precision is TP over TP plus FN, the share of actual positives the model "
              "catches, and recall is TP over TP plus FP, the share of predicted positives that "
              "are truly positive. Recall matters when false positives are costly, like a spam "
              "filter hiding legitimate email, and precision matters when missing a positive is "
              "costly, like cancer screening.")
    grade = grader.grade(rubric_for(kb.question("classification-metrics-1").question), answer)
    for pid in ("precision-def", "recall-def", "precision-example", "recall-example"):
        assert _points(grade)[pid] == "contradicted", pid
    assert grade.score < 1.0


def test_backwards_bias_and_variance_for_every_knob_earn_nothing(grader: Grader, kb) -> None:  # type: ignore[no-untyped-def]
    """Every knob turned the wrong way, in the question's own words: it graded 2.6 "partial",
    with three of its four points unverified (credited at their probability)."""
    rubric = rubric_for(kb.question("bias-variance-tradeoff-3").question)
    backwards = ("In k-NN, small k gives high bias and low variance, while large k lowers bias "
                 "and raises variance. In a decision tree, greater depth raises bias and lowers "
                 "variance, so shallow trees are high variance. In ridge regression a larger "
                 "lambda reduces bias and increases variance. I would pick each by "
                 "cross-validation.")
    right = ("In k-NN, small k gives low bias and high variance, while large k averages more "
             "neighbours, lowering variance and raising bias. In a decision tree, greater depth "
             "lowers bias and raises variance; shallow trees are high bias. In ridge regression "
             "a larger lambda shrinks the coefficients, increasing bias and reducing variance. "
             "I would pick each by cross-validation.")
    wrong = grader.grade(rubric, backwards)
    for pid in ("knn-k", "tree-depth", "ridge-lambda"):
        assert _points(wrong)[pid] == "contradicted", pid
    assert wrong.score < 1.0
    good = grader.grade(rubric, right)
    assert not good.contradicted, [k.id for k in good.contradicted]
    assert good.level == "strong", good.score


def test_keys_and_values_swapped_are_not_credited(grader: Grader, kb) -> None:  # type: ignore[no-untyped-def]
    """A training answer of the verdict set, labelled contradicted on this point: it read
    "partial" before, because the point names keys and values together once."""
    rubric = rubric_for(kb.question("attention-transformers-1").question)
    swapped = ("The query is what the token's looking for, and, uh, the values are what you "
               "match the query against, and the keys are the actual content that gets "
               "averaged into the output.")
    assert _points(grader.grade(rubric, swapped))["qkv-roles"] == "contradicted"
    right = exchanged(swapped, "keys", "values")
    assert _points(grader.grade(rubric, right))["qkv-roles"] != "contradicted"


def test_a_point_said_the_other_way_round_is_not_credited(grader: Grader, kb) -> None:  # type: ignore[no-untyped-def]
    """The point's own words with its negation taken away: it read ✓ "stated" (2.1 in all),
    quoting the sentence that says the opposite, since the verifier reads both ways alike."""
    rubric = rubric_for(kb.question("random-forests-3").question)
    wrong = grader.grade(rubric, "Adding trees does increase overfitting: the test error goes "
                                 "up as the number of trees grows, because each tree adds more "
                                 "noise to the average.")
    point = {k.id: k for k in wrong.key_points}["no-overfit"]
    assert point.verdict == "contradicted" and wrong.score < 1.0
    assert point.evidence is not None and "does increase overfitting" in point.evidence.text
    right = grader.grade(rubric, "Adding trees does not increase overfitting: the test error "
                                 "levels off as the number of trees grows, because each tree is "
                                 "an independent draw being averaged.")
    # The offline verifier cannot confirm it either ("unverified"), but it is not called wrong.
    assert _points(right)["no-overfit"] in ("stated", "partial", "unverified")
    assert right.score > wrong.score + 1.0, (right.score, wrong.score)


def test_compared_methods_swapped_lose_their_credit(grader: Grader, kb) -> None:  # type: ignore[no-untyped-def]
    """PCA and LDA, ETL and ELT each given the other's definition: the PCA answer graded 3.7
    "good" (every point unverified, credited at its probability), as the right one does."""
    pca = rubric_for(kb.question("pca-5").question)
    swapped = ("PCA is supervised and finds the directions that best separate the known "
               "classes, while LDA is unsupervised and finds the directions of maximum total "
               "variance. LDA gives at most C - 1 components for C classes.")
    wrong = grader.grade(pca, swapped)
    right = grader.grade(pca, exchanged(swapped, "PCA", "LDA"))
    assert _points(wrong)["unsupervised-vs-supervised"] == "contradicted"
    assert "contradicted" not in _points(right).values()
    assert wrong.score <= right.score - 1.0, (wrong.score, right.score)
    etl = rubric_for(kb.question("etl-pipelines-2").question)
    swapped = ("With ELT you transform the data in a separate processing step before loading it "
               "into the warehouse, and with ETL you load the raw data first and transform it "
               "inside the warehouse, usually in SQL.")
    assert _points(grader.grade(etl, swapped))["definitions"] == "contradicted"
    assert _points(grader.grade(etl, exchanged(swapped, "ETL", "ELT")))["definitions"] == "stated"


def test_notes_that_trade_the_mean_and_the_median_are_not_credited(grader: Grader, kb) -> None:  # type: ignore[no-untyped-def]
    """Notes-style answers of the verdict set's training half read "stated" on both points
    when they gave MSE the median and MAE the mean."""
    rubric = rubric_for(kb.question("calculus-optimization-4").question)
    notes = ("MSE: quadratic, outliers dominate. estimates cond. median.\n"
             "MAE: linear, robust. estimates cond. mean.\n"
             "Huber: quadratic near zero, linear past delta.")
    points = _points(grader.grade(rubric, notes))
    assert points["mse-mean"] == points["mae-median"] == "contradicted"
    right = exchanged(notes, "median", "mean")
    points = _points(grader.grade(rubric, right))
    assert "contradicted" not in (points["mse-mean"], points["mae-median"])


def test_swapped_drift_definitions_in_the_rubrics_words_earn_nothing(grader: Grader, kb) -> None:  # type: ignore[no-untyped-def]
    """Each definition under the other name, word for word from the rubric: it graded 4.1
    "strong", with a ✓ on both definitions."""
    rubric = rubric_for(kb.question("model-monitoring-1").question)
    swapped = ("Concept drift is a change in the input distribution P(x) while the relationship "
               "between inputs and target stays the same, for example a marketing campaign "
               "bringing in a younger user base. Data drift is a change in P(y|x), so the same "
               "inputs now lead to different outcomes, like fraudsters changing tactics. "
               "Monitoring inputs alone catches both.")
    grade = grader.grade(rubric, swapped)
    assert _points(grade)["data-drift"] == _points(grade)["concept-drift"] == "contradicted"
    assert grade.level != "strong" and grade.score < 2.0
    right = exchanged(swapped, "Concept drift", "Data drift")
    grade = grader.grade(rubric, right)
    assert "contradicted" not in (_points(grade)["data-drift"], _points(grade)["concept-drift"])


def test_bagging_and_boosting_swapped_in_the_rubrics_words_earn_nothing(grader: Grader, kb) -> None:  # type: ignore[no-untyped-def]
    """It graded 4.8 "strong": each definition, word for word, under the other name."""
    rubric = rubric_for(kb.question("bias-variance-tradeoff-4").question)
    swapped = ("Boosting averages many deep, low-bias trees trained on bootstrap samples, which "
               "mainly reduces variance while leaving bias roughly unchanged. Bagging fits "
               "shallow, high-bias learners sequentially to the errors of the ensemble so far, "
               "mainly reducing bias.")
    grade = grader.grade(rubric, swapped)
    points = _points(grade)
    assert points["bagging-variance"] == points["boosting-bias"] == "contradicted"
    assert grade.score < 2.0
    right = exchanged(swapped, "Boosting", "Bagging")
    points = _points(grader.grade(rubric, right))
    assert "contradicted" not in (points["bagging-variance"], points["boosting-bias"])


def test_one_sentence_reference_answered_correctly_scores_high(grader: Grader) -> None:
    rubric = adhoc_rubric("What does a hash table give you that a sorted list does not?",
                          "Average constant-time lookup, insertion and deletion by key.")
    grade = grader.grade(rubric, "Looking up, adding or removing a key takes O(1) time on "
                                 "average, instead of a logarithmic binary search.")
    # Humans give such answers 4-5; the offline grader reaches "good", not yet "strong".
    assert grade.score >= 3.5, grade.key_points


def test_story_questions_without_a_rubric_are_graded_as_behavioral(grader: Grader) -> None:
    assert asks_for_story("Tell me about a time you disagreed with a teammate.")
    assert not asks_for_story("What is the difference between L1 and L2 regularization?")
    rubric = adhoc_rubric("Tell me about a time you had to push back on a deadline.",
                          "A STAR story with a measurable result.")
    story = ("Last spring I led the churn model rebuild for our subscriptions team, and the "
             "VP wanted it live in two weeks. My job was to ship a model the retention team "
             "could trust. I measured that our labels were leaking future cancellations, so I "
             "wrote a one-page note with the numbers and proposed a four-week plan with a "
             "weekly demo. I rebuilt the labels, retrained, and ran a shadow test. We launched "
             "in week four and cut churn among targeted users by 8%, about $400k a year. I "
             "learned to bring data, not opinions, when I push back.")
    grade = grader.grade(rubric, story)
    assert grade.kind == "behavioral" and grade.star is not None
    assert grade.score >= 3.5


def test_grade_json_carries_verdicts_and_verifier_probabilities(grader: Grader, kb) -> None:  # type: ignore[no-untyped-def]
    grade = grader.grade(rubric_for(kb.question("rnn-lstm-3").question), GRU_WRONG)
    data = json.loads(grade.model_dump_json())
    assert data["version"] == GRADE_VERSION == 2
    point = next(p for p in data["key_points"] if p["id"] == "gru-structure")
    assert point["verdict"] in ("unverified", "contradicted", "absent")
    assert set(point["verifier"]) == {"entail", "contradict", "neutral"}
    # The verifier reads the wrong sentence as going against the point.
    assert point["verifier"]["contradict"] > point["verifier"]["entail"]
    # A grade saved before verdicts existed still reads, its status turned into a verdict.
    old = {**data, "version": 1, "key_points": [
        {k: v for k, v in p.items() if k not in ("verdict", "verifier", "reference")}
        for p in data["key_points"]]}
    old["key_points"][0]["status"] = "covered"
    assert Grade.model_validate(old).key_points[0].verdict == "stated"


def test_model_answers_state_their_points_and_hold_no_misconception(grader: Grader, kb) -> None:  # type: ignore[no-untyped-def]
    for qid in ("rnn-lstm-3", "rnn-lstm-4", "bias-variance-tradeoff-1"):
        q = kb.question(qid).question
        grade = grader.grade(rubric_for(q), q.model_answer)
        assert not grade.misconceptions, qid
        assert not grade.contradicted, (qid, [k.id for k in grade.contradicted])
        assert grade.level == "strong", (qid, grade.score)


def _coach(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    from coach.cli import _register, app
    from coach.cli.common import run_guarded

    _register()
    monkeypatch.setattr(sys, "argv", ["coach", *args])
    return run_guarded(app)


def test_batch_grading_prints_one_json_grade_per_line_with_its_id(
        tmp_path: Path, services, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]

    batch = tmp_path / "answers.jsonl"
    batch.write_text("\n".join(json.dumps(r) for r in [
        {"id": "a1", "question_id": "rnn-lstm-3", "answer": GRU_WRONG},
        {"id": "a2", "question": "What does a hash table give you?",
         "reference_answer": "Average constant-time lookup by key.",
         "answer": "Constant time lookups on average."},
    ]) + "\n")
    assert _coach(monkeypatch, "grade", "--batch", str(batch), "--json") == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.strip()]
    assert [x["id"] for x in lines] == ["a1", "a2"]
    assert lines[0]["question_id"] == "rnn-lstm-3" and lines[0]["score"] < 2.0
    assert lines[1]["score"] > lines[0]["score"]

    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "x", "question_id": "rnn-lstm-3", "answer": "ok"})
                   + "\n{not json\n")
    assert _coach(monkeypatch, "grade", "--batch", str(bad)) != 0
    err = capsys.readouterr().err
    assert f"{bad}:2" in err and "Traceback" not in err


def test_line_mode_and_tui_show_wrong_and_unverified_apart_from_covered() -> None:
    from coach.cli.render import grade_lines
    from coach.grading.models import KeyPointResult, Quote
    from coach.tui.text import grade_markdown

    answer = "A GRU has three gates. It is a recurrent unit."
    grade = Grade(question_id="rnn-lstm-3", kind="technical", score=1.2, level="weak",
                  key_points=[
                      KeyPointResult(id="gru-structure", text="A GRU has two gates.", weight=2,
                                     status="missed", verdict="contradicted", confidence=0.0,
                                     evidence=Quote(text=answer[:22], start=0, end=22)),
                      KeyPointResult(id="recurrent", text="A GRU is recurrent.", weight=1,
                                     status="partial", verdict="unverified", confidence=0.3,
                                     evidence=Quote(text=answer[23:], start=23,
                                                    end=len(answer)),
                                     reference="GRUs are recurrent units with gating."),
                  ])
    text = "\n".join(grade_lines(grade))
    assert "✗ WRONG: A GRU has two gates." in text
    assert "you said “A GRU has three gates.” — that contradicts it" in text
    assert "? addressed, not verified: A GRU is recurrent." in text
    assert "compare the model answer: “GRUs are recurrent units with gating.”" in text
    assert "✓" not in text
    md = grade_markdown(grade)
    assert "**wrong:** A GRU has two gates." in md and "**addressed, not verified:**" in md
