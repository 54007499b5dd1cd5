"""An answer that swaps two paired concepts ("L1 adds squared weights, L2 absolute ones") uses
every word of the point it contradicts: the check that catches it, and where it must not fire."""

from __future__ import annotations

from swap_support import exchanged, points_fired

from coach.grading.conflicts import reversed_roles

PENALTIES = ("L2 adds λ times the sum of squared weights to the loss, L1 adds λ times the sum "
             "of absolute weights.")
GRADIENT = ("The L2 penalty's gradient 2λw vanishes as a weight approaches zero, so weights "
            "shrink but rarely reach zero, while L1's gradient has constant magnitude λ and can "
            "drive weights exactly to zero.")


def test_swapped_concepts_are_caught_however_the_sentence_is_built() -> None:
    assert reversed_roles(PENALTIES, "L1 adds the sum of squared weights to the loss and L2 "
                                     "adds the sum of absolute weights.")
    assert reversed_roles(GRADIENT, "The L2 penalty's gradient is constant, so it drives "
                                    "weights exactly to zero, while L1's gradient vanishes "
                                    "near zero, so L1 weights shrink but never reach zero.")


def test_the_same_roles_in_other_words_or_order_are_not_swapped() -> None:
    assert not reversed_roles(PENALTIES, "L2 adds lambda times the squared weights to the loss "
                                         "and L1 adds lambda times their absolute values.")
    # The properties before the concept they belong to, one clause each.
    assert not reversed_roles(GRADIENT, "Weights shrink towards zero but rarely reach it with "
                                        "L2, while constant-size steps drive them exactly to "
                                        "zero with L1.")
    # Both concepts named together: nothing is said of either alone.
    assert not reversed_roles(PENALTIES, "L1 and L2 both add a penalty on the weights.")


PRECISION = "Precision is TP / (TP + FP), the share of predicted positives that are truly positive."


def test_a_point_about_one_concept_is_caught_when_the_other_gets_its_words() -> None:
    swapped = ("Precision is TP over TP plus FN, the share of actual positives the model "
               "catches, and recall is TP over TP plus FP, the share of predicted positives "
               "that are truly positive.")
    right = ("Precision is TP over TP plus FP, the share of predicted positives that are truly "
             "positive, and recall is TP over TP plus FN, the share of actual positives caught.")
    assert reversed_roles(PRECISION, swapped)
    assert not reversed_roles(PRECISION, right)
    # A point that only mentions the concept on the way is not about it: no roles to compare.
    assert not reversed_roles(
        "VAEs train stably and provide an encoder and a likelihood bound.",
        "They give an encoder for free and stable training, but samples are blurry because "
        "the decoder averages plausible outputs.")


QKV = ("Queries, keys and values are learned linear projections of the token representations; "
       "a query's dot product with each key scores relevance, and the output is the "
       "score-weighted average of the values.")


def test_concepts_named_together_once_still_have_roles_elsewhere() -> None:
    # "keys and values" at the start gives neither a role; the rest of the point does.
    assert reversed_roles(QKV, "The values are what you match the query against, and the keys "
                               "are the actual content that gets averaged into the output.")
    assert not reversed_roles(QKV, "The keys are what you match the query against, and the "
                                   "values are the content that gets averaged into the output.")


def test_a_short_swap_both_ways_is_caught_through_spoken_fillers() -> None:
    # Each concept gets a word of the other and none of its own, across an "uh".
    assert reversed_roles(PENALTIES, "L1 is lambda times the sum of the squared weights, L2 is, "
                                     "uh, the absolute values I think.")
    assert not reversed_roles(PENALTIES, "L2 is lambda times the sum of the squared weights, L1 "
                                         "is, uh, the absolute values I think.")


def test_a_clause_after_a_semicolon_speaks_for_itself() -> None:
    geometry = ("Geometrically, the L1 constraint region is a diamond with corners on the axes "
                "where the loss contours tend to touch it, while the L2 ball is round.")
    # The clause after the semicolon is about the contours, not about L1: the swap stands.
    assert reversed_roles(geometry, "Geometrically, the L2 constraint is the one shaped like a "
                                    "diamond with its corners on the axes, and the L1 constraint "
                                    "is the circle; the elliptical loss contours usually first "
                                    "touch the constraint at a corner.")


MSE = ("MSE is minimised by the conditional mean and penalises errors quadratically, so a few "
       "huge outliers dominate the fit.")


def test_notes_under_a_heading_and_a_traded_opposite_are_read() -> None:
    # Everything on a "MSE:" line is said of MSE; the mean and the median change places.
    notes = ("MSE: quadratic, outliers dominate. estimates cond. median.\n"
             "MAE: linear, robust. estimates cond. mean.")
    assert reversed_roles(MSE, notes)
    assert not reversed_roles(MSE, exchanged(notes, "median", "mean"))
    # Without the heading's line break the last clause is about nothing in particular.
    assert not reversed_roles(MSE, "MSE is quadratic and MAE is linear. Both estimate a mean.")


# Comparisons the bank asks for, in a candidate's words: (point, swapped, right).
COMPARISONS = [
    ("PCA is unsupervised and finds directions of maximum total variance; LDA is supervised "
     "and finds directions that best separate known classes.",
     "LDA is unsupervised and looks for the directions of maximum total variance, whereas PCA "
     "is supervised and looks for the directions that best separate the known classes.",
     "PCA is unsupervised and looks for the directions of maximum total variance, whereas LDA "
     "is supervised and looks for the directions that best separate the known classes."),
    ("ETL transforms data in a separate processing step before loading it into the warehouse; "
     "ELT loads raw data first and transforms it inside the warehouse or lakehouse, usually "
     "with SQL.",
     "With ELT you transform the data in a separate processing step before loading it into "
     "the warehouse, and with ETL you load the raw data first and transform it inside the "
     "warehouse, usually in SQL.",
     "With ETL you transform the data in a separate processing step before loading it into "
     "the warehouse, and with ELT you load the raw data first and transform it inside the "
     "warehouse, usually in SQL."),
    ("In a jailbreak the user attacks the model provider's policy, while in indirect injection "
     "the user is usually the victim.",
     "In prompt injection the user is attacking the provider's policy, while in a jailbreak "
     "the user is usually the victim.",
     "In a jailbreak the user is attacking the provider's policy, while in prompt injection "
     "the user is usually the victim."),
    ("Logistic regression gives probabilities directly and reasonably calibrated, while SVM "
     "scores are uncalibrated margins that need Platt scaling or isotonic calibration.",
     "An SVM gives you calibrated probabilities directly, while logistic regression only "
     "outputs uncalibrated margins that need Platt scaling.",
     "Logistic regression gives you calibrated probabilities directly, while an SVM only "
     "outputs uncalibrated margins that need Platt scaling."),
]


def test_compared_methods_swapped_in_a_candidates_words_are_caught() -> None:
    for point, swapped, right in COMPARISONS:
        assert reversed_roles(point, swapped), swapped
        assert not reversed_roles(point, right), right


def test_no_window_of_any_model_answer_swaps_its_own_key_points() -> None:
    assert points_fired(lambda point, window, _: reversed_roles(point, window)) == []
