"""One embedder shared by threads: the TUI's prewarm thread embeds the bank's rubrics while a
grading worker embeds an answer, and both read and fill the same cache."""

from __future__ import annotations

import random
import threading
from pathlib import Path

import numpy as np

from coach.embeddings import MiniLMEmbedder, VectorStore, text_key

TOPICS = ("gradient descent", "dropout", "batch normalisation", "a decision tree",
          "cross-validation", "an embedding table", "beam search", "weight decay")
SAYINGS = ("lowers the training loss step by step", "keeps a model from memorising noise",
           "needs a held-out set to be judged fairly", "is cheap to compute on a CPU",
           "changes how fast the model learns")
TEXTS = [f"{topic.capitalize()} {saying}." for topic in TOPICS for saying in SAYINGS]
WORDS = sorted({w for t in TEXTS for w in t.lower().strip(".").split()})


def test_encode_from_several_threads_gives_the_single_threaded_vectors(tmp_path: Path) -> None:
    single = MiniLMEmbedder()
    expected = {t: v for t, v in zip(TEXTS, single.encode(TEXTS), strict=True)}
    expected_words = single.word_vectors().vectors(WORDS)

    # A cache smaller than the texts: threads evict each other's vectors while reading them.
    shared = MiniLMEmbedder(cache_size=12)
    shared.attach_store(VectorStore(tmp_path / "vectors.sqlite3"))
    words = shared.word_vectors()  # its first use loads the model from several threads at once
    start = threading.Barrier(6)
    failures: list[BaseException] = []
    wrong: list[str] = []
    persisted: list[str] = []

    def work(seed: int) -> None:
        rng = random.Random(seed)
        try:
            start.wait()
            for step in range(25):
                batch = rng.sample(TEXTS, rng.randint(1, 6))
                got = shared.encode(batch, persist=step % 2 == 0)
                if step % 2 == 0:
                    persisted.extend(batch)
                wrong.extend(t for t, v in zip(batch, got, strict=True)
                             if not np.allclose(v, expected[t], atol=1e-5))
                if step % 5 == 0:
                    picked = rng.sample(range(len(WORDS)), 4)
                    vecs = words.vectors([WORDS[i] for i in picked])
                    wrong.extend(WORDS[i] for i, v in zip(picked, vecs, strict=True)
                                 if not np.allclose(v, expected_words[i], atol=1e-5))
                if step == 12 and seed == 0:
                    shared.clear_cache()
        except BaseException as exc:  # any failure in a thread fails the test
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert wrong == []
    # Every text embedded with persist=True is in the file, under its own vector, whichever
    # thread embedded it (a text another thread had cached already is not written again).
    stored = VectorStore(tmp_path / "vectors.sqlite3").get_many(
        [text_key(t) for t in TEXTS])
    assert stored and set(stored) <= {text_key(t) for t in persisted}
    assert all(np.allclose(stored[text_key(t)], expected[t], atol=1e-5) for t in TEXTS
               if text_key(t) in stored)
