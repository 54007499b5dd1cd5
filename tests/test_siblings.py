"""An answer that swaps two parallel definitions ("concept drift is a change in P(x) while the
relationship stays the same") repeats the rubric's own words under the wrong name: the check
that catches it, and where it must not fire."""

from __future__ import annotations

from swap_support import exchanged, points_fired

from coach.grading.siblings import borrowed_definition

DATA = ("Data (covariate) drift is a change in the input distribution P(x) while the relationship "
        "between inputs and target stays the same.")
CONCEPT = "Concept drift is a change in P(y|x), so the same inputs now lead to different outcomes."
EXAMPLE = ("Examples such as a marketing campaign bringing in a younger user base (data drift) "
           "versus fraudsters changing tactics so previously safe patterns become fraudulent "
           "(concept drift).")
SWAPPED = ("Concept drift is a change in the input distribution P(x) while the relationship "
           "between inputs and target stays the same. Data drift is a change in P(y|x), so the "
           "same inputs now lead to different outcomes.")


def test_a_definition_under_the_other_name_is_caught_for_both_points() -> None:
    assert borrowed_definition(DATA, SWAPPED, [CONCEPT, EXAMPLE])
    assert borrowed_definition(CONCEPT, SWAPPED, [DATA, EXAMPLE])


def test_right_definitions_in_the_rubric_or_other_words_are_not_borrowed() -> None:
    right = exchanged(SWAPPED, "Concept drift", "Data drift")
    assert not borrowed_definition(DATA, right, [CONCEPT, EXAMPLE])
    assert not borrowed_definition(CONCEPT, right, [DATA, EXAMPLE])
    # A right answer that says the relationship changes for concept drift shares words with
    # the data-drift point ("the relationship ... stays the same"), but not nearly all of them.
    own = ("Data drift means the input features change over time, like the age distribution "
           "of customers shifts. Concept drift means the relationship between features and "
           "target changes, like during COVID when buying patterns changed.")
    assert not borrowed_definition(CONCEPT, own, [DATA, EXAMPLE])
    # Without a parallel sibling there is nothing to borrow from.
    assert not borrowed_definition(CONCEPT, SWAPPED, [EXAMPLE])


BAGGING = ("Bagging averages many deep, low-bias trees trained on bootstrap samples, which "
           "mainly reduces variance while leaving bias roughly unchanged.")
BOOSTING = ("Boosting fits shallow, high-bias learners sequentially to the errors or gradients of "
            "the ensemble so far, mainly reducing bias.")


def test_a_points_definition_under_the_other_name_is_no_evidence_for_it() -> None:
    # The window coverage finds for the bagging point names only boosting: the answer gave
    # bagging's definition to boosting.
    wrong = ("Boosting averages many deep, low-bias trees trained on bootstrap samples, which "
             "mainly reduces variance while leaving bias roughly unchanged.")
    assert borrowed_definition(BAGGING, wrong, [BOOSTING])
    assert borrowed_definition(BOOSTING, wrong, [BAGGING])
    # Bagging named in the window: its own sentence is read, not the mirror.
    both = "Bagging reduces variance by averaging deep trees. " + wrong
    assert not borrowed_definition(BAGGING, both, [BOOSTING])
    # A boosting sentence that shares a few words with the bagging point is not its definition.
    assert not borrowed_definition(BAGGING, "Boosting reduces bias with shallow trees.",
                                   [BOOSTING])


GENERATIVE = ("A generative model learns the distribution of the data, p(x) or the joint p(x, y), "
              "so it can assign likelihoods and sample new examples.")
DISCRIMINATIVE = ("A discriminative model learns p(y | x) or a direct decision boundary between "
                  "classes, without modelling how the inputs are distributed.")
GAN = ("GANs produce sharp samples in a single forward pass but train unstably, suffer mode "
       "collapse and provide no likelihood or encoder.")
VAE = ("VAEs train stably, provide an encoder and a likelihood bound and cover modes well, but "
       "samples tend to be blurry.")


def test_definitions_of_other_compared_methods_are_caught_in_a_candidates_words() -> None:
    assert borrowed_definition(GENERATIVE, "A generative model learns p(y | x) or a direct "
                               "decision boundary between the classes, without modelling how "
                               "the inputs are distributed.", [DISCRIMINATIVE])
    assert not borrowed_definition(GENERATIVE, "A generative model learns the joint p(x, y), so "
                                   "it can assign likelihoods to the data and sample new "
                                   "examples.", [DISCRIMINATIVE])
    assert borrowed_definition(GAN, "GANs train stably, give you an encoder and a likelihood "
                               "bound and cover the modes well, but their samples are blurry.",
                               [VAE])
    assert not borrowed_definition(GAN, "GANs give sharp samples in one forward pass, but "
                                   "training is unstable, they suffer mode collapse and have no "
                                   "likelihood or encoder.", [VAE])


def test_no_window_of_any_model_answer_borrows_a_sibling_definition() -> None:
    assert points_fired(borrowed_definition) == []
