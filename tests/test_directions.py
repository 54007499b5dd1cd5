"""An answer that says which way each knob moves bias and variance, but backwards ("small k gives
high bias and low variance"), uses every word of the point it contradicts: the check that
catches it, and where it must not fire."""

from __future__ import annotations

from swap_support import points_fired

from coach.grading.directions import relations, reversed_directions

KNN = ("In k-NN, small k gives low bias and high variance, while large k averages more "
       "neighbours, lowering variance and raising bias.")
TREE = ("In a decision tree, greater depth or smaller minimum leaf size lowers bias and raises "
        "variance; shallow trees are high bias.")


def test_a_knob_and_its_opposite_setting_state_the_same_relation() -> None:
    # "small k ... low bias" and "large k ... raising bias": k and bias move together.
    assert relations(KNN)[("k", "bia")] == {(1, True)}
    assert relations("Variance falls as k grows.")[("k", "varianc")] == {(-1, True)}
    # A knob with no direction of its own is the knob itself, switched on.
    assert relations("Dropout increases bias slightly and reduces variance.") == {
        ("dropout", "bia"): {(1, False)}, ("dropout", "varianc"): {(-1, False)}}
    # In "regularizing the model raises bias" the knob is the regularizing, not the model.
    assert ("model", "bia") not in relations("Regularizing the model raises bias.")


def test_backwards_directions_are_caught_however_the_knob_is_set() -> None:
    assert reversed_directions(KNN, "In k-NN, small k gives high bias and low variance, while "
                                    "large k lowers bias and raises variance.")
    assert reversed_directions(KNN, "A large k gives low bias but high variance.")
    assert reversed_directions(TREE, "In a decision tree, greater depth raises bias and lowers "
                                     "variance, so shallow trees are high variance.")
    assert reversed_directions("Dropout increases bias slightly and reduces variance.",
                               "Dropout reduces bias and increases variance.")
    # One relation is enough when both name the knob's direction.
    large_k = "Large k smooths the boundary and raises bias."
    assert reversed_directions(large_k, "large k: smooth boundary, lower bias AND lower variance")
    assert reversed_directions(large_k, "A small k gives higher bias.")
    assert not reversed_directions(large_k, "A small k gives lower bias.")


def test_the_right_directions_in_other_words_are_not_backwards() -> None:
    # The opposite setting with the opposite effects is the same statement.
    assert not reversed_directions(KNN, "Large k gives high bias and low variance.")
    assert not reversed_directions(KNN, "A small k overfits: low bias but high variance.")
    assert not reversed_directions(KNN, "Bias increases with larger k and variance falls as k "
                                        "grows.")
    # One backwards relation beside one right one is not a swap this check can sign.
    assert not reversed_directions(KNN, "Small k gives low bias and low variance.")
    # One relation whose knob has no direction of its own: PQ with re-ranking may keep
    # recall high, so this is left to the verifier.
    assert not reversed_directions("PQ distances are approximate and lower recall.",
                                   "PQ keeps recall high.")
    # A negated statement is left to the verifier.
    assert not reversed_directions(KNN, "Small k does not give high bias or low variance.")


def test_no_window_of_any_model_answer_reverses_its_own_key_points() -> None:
    assert points_fired(lambda point, window, _: reversed_directions(point, window)) == []
