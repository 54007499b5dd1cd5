"""An answer that says a key point the other way round in the point's own words ("Adding
trees does increase overfitting"): the check that catches it, and where it must not fire."""

from __future__ import annotations

from swap_support import points_fired

from coach.grading.polarity import negated_point

NO_OVERFIT = ("Adding trees does not increase overfitting; the test error converges to a limit "
              "as the number of trees grows because each tree is an independent draw being "
              "averaged.")
SPARSE = "L1 regularization drives some weights exactly to zero, giving sparse models."


def test_a_negation_added_or_taken_away_is_caught() -> None:
    assert negated_point(NO_OVERFIT, "Adding trees does increase overfitting.")
    assert negated_point(NO_OVERFIT, "Honestly? Adding trees does increase overfitting, I'd say.")
    assert negated_point(SPARSE, "L1 regularization never drives weights exactly to zero.")
    # Another clause on the same topic that does not restate the point does not hide it.
    assert negated_point(NO_OVERFIT, "Adding trees does increase overfitting; the test error "
                                     "rises as the number of trees grows because each tree "
                                     "adds variance to the average.")


def test_the_point_said_the_same_way_or_in_other_words_is_not_negated() -> None:
    assert not negated_point(NO_OVERFIT, "Adding trees does not increase overfitting.")
    # Two negations cancel; a leading "No," answers the question.
    assert not negated_point(SPARSE, "It is not true that L1 regularization never drives "
                                     "weights exactly to zero.")
    assert not negated_point(NO_OVERFIT, "No, adding trees does not increase overfitting.")
    # Words beyond the point's in the negated clause: its scope may be another part of it.
    assert not negated_point(SPARSE, "L1 regularization drives weights exactly to zero, not "
                                     "just close to it.")
    assert not negated_point(NO_OVERFIT, "More trees do not hurt generalisation.")


def test_rather_than_denies_and_a_comparison_does_not() -> None:
    point = "Use a proven architecture rather than designing depth and width from scratch."
    assert not negated_point(point, "I would not design depth and width from scratch.")
    assert negated_point(point, "I would design depth and width from scratch.")
    # "more dense than oil" says nothing against oil.
    assert not negated_point("Oil is less dense than corn syrup.",
                             "Corn syrup is more dense than oil oil is less dense than corn "
                             "syrup.")


def test_no_window_of_any_model_answer_negates_its_own_key_points() -> None:
    assert points_fired(lambda point, window, _: negated_point(point, window)) == []
