"""Support for the tests of the surface checks of a wrong answer (role swaps, backwards
directions, borrowed definitions): the model-answer windows they must never fire on, since
the bank holds these answers to be right, and the right version of a swapped answer."""

from __future__ import annotations

import functools
from collections.abc import Callable

from coach.grading.text import split_units
from coach.knowledge.loader import load_knowledge
from coach.paths import knowledge_dir


def exchanged(text: str, a: str, b: str) -> str:
    """The text with every `a` and `b` changed places: a swapped answer put right."""
    return text.replace(a, "\0").replace(b, a).replace("\0", b)


@functools.lru_cache(maxsize=1)
def model_answer_windows() -> tuple[tuple[str, tuple[tuple[str, str], ...], tuple[str, ...]], ...]:
    """(question id, its (key point id, text) pairs, the windows of its model answer)."""
    out = []
    for bq in load_knowledge(knowledge_dir()).questions.values():
        q = bq.question
        if q.kind == "behavioral":
            continue
        units = split_units(q.model_answer)
        windows = tuple(q.model_answer[units[i].start:units[j].end]
                        for i in range(len(units)) for j in range(i, min(i + 3, len(units))))
        out.append((q.id, tuple((k.id, k.text) for k in q.key_points), windows))
    return tuple(out)


def points_fired(fires: Callable[[str, str, list[str]], bool]) -> list[str]:
    """"question/point" for every key point that `fires(point, window, sibling points)` on some
    window of its own question's model answer."""
    fired = []
    for qid, points, windows in model_answer_windows():
        for pid, text in points:
            siblings = [t for p, t in points if p != pid]
            if any(fires(text, w, siblings) for w in windows):
                fired.append(f"{qid}/{pid}")
    return fired
