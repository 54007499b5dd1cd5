"""Flow tests (conftest.FLOW_TESTS) grade with the hashed test embedder: no model loads, yet
an interview still asks, grades and moves on, and the grades are the same on every run."""

from __future__ import annotations

import numpy as np
from hashed_embedder import HashedEmbedder

from coach.interview.events import AnswerGraded, Open, Submit
from coach.interview.session import Interview, SessionConfig
from coach.paths import resolve_paths
from coach.services import Services, build_services
from coach.settings import load_settings

ANSWER = ("Overfitting is when the model learns the noise of the training data, so it does "
          "well on training data and badly on new data; underfitting is a model too simple "
          "to learn the pattern at all.")


def test_every_services_of_a_flow_test_grades_with_the_test_embedder(services: Services) -> None:
    fresh = build_services(load_settings(resolve_paths()))  # as a command run in-process does
    for svc in (services, fresh):
        assert isinstance(svc.embedder, HashedEmbedder)
        assert svc.grader.embedder is svc.embedder and svc.grader.verifier is None

    def graded() -> AnswerGraded:
        iv = Interview.start(services, SessionConfig(question_ids=["overfitting-underfitting-1"],
                                                     questions=1, followups=0))
        iv.advance(Open())
        event = iv.advance(Submit(ANSWER))[0]
        assert isinstance(event, AnswerGraded)
        return event

    first, again = graded(), graded()
    assert first.grade.score == again.grade.score and first.grade.key_points
    assert [k.status for k in first.grade.key_points] == \
        [k.status for k in again.grade.key_points]


def test_the_test_embedder_is_deterministic_and_follows_shared_words() -> None:
    a, b = HashedEmbedder(), HashedEmbedder()
    texts = ["Dropout randomly zeroes activations during training.",
             "During training, dropout zeroes random activations.",
             "A hash map gives constant-time lookups."]
    va, vb = a.encode(texts), b.encode_uncached(texts)
    assert np.array_equal(va, vb) and np.allclose(np.linalg.norm(va, axis=1), 1.0)
    assert va[0] @ va[1] > 0.8 > 0.3 > abs(va[0] @ va[2])
    words = a.word_vectors().vectors(["training", "trained", "lookup"])
    assert words[0] @ words[1] > 0.99 and abs(words[0] @ words[2]) < 0.3
