"""Training pairs for the key-point verifier, from training data only.

Each pair is (rubric statement, candidate text, label) with label 0 entail (the text states
the statement), 1 contradict (it says something incompatible), 2 neutral (neither). Sources:

- SemEval-2013 train splits (SciEntsBank and Beetle): reference answer vs student answer,
  correct / contradictory / incorrect.
- The bank's questions on the TRAIN side of the fixed question split (`evals/fit_curve.py`):
  a key point vs the model-answer window that states it (entail), vs the window of another
  point of the same answer or of another question (neutral), a misconception's claim vs its
  correction (contradict, both ways), and a key point vs its own window with paired terms
  swapped, directions flipped, numbers changed or negation toggled (contradict).
- Candidate-style sentences written for the train-side questions' key points and
  misconceptions (`datasets/verifier_pairs.train.jsonl`): correct paraphrases with little word
  overlap, wrong versions in candidates' words, on-topic sentences that state nothing.
- The train half of the key-point verdict set (`datasets/keypoint_verdicts.train.jsonl`):
  stated spans (entail), contradicted spans (contradict), and for absent points the window
  the grader would have quoted (neutral).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ENTAIL, CONTRADICT, NEUTRAL = 0, 1, 2
SEMEVAL_LABELS = {"correct": ENTAIL, "contradictory": CONTRADICT, "incorrect": NEUTRAL}
Pair = tuple[str, str, int]

# Paired terms a wrong answer swaps. Each pair is swapped both ways at once.
SWAPS = [
    ("increase", "decrease"), ("increases", "decreases"), ("increasing", "decreasing"),
    ("higher", "lower"), ("more", "fewer"), ("larger", "smaller"), ("bigger", "smaller"),
    ("faster", "slower"), ("always", "never"), ("before", "after"), ("above", "below"),
    ("maximize", "minimize"), ("maximizes", "minimizes"), ("overfitting", "underfitting"),
    ("overfit", "underfit"), ("bias", "variance"), ("precision", "recall"), ("L1", "L2"),
    ("encoder", "decoder"), ("positive", "negative"), ("supervised", "unsupervised"),
    ("sparse", "dense"), ("shrinks", "grows"), ("reduces", "raises"), ("reduce", "raise"),
    ("linear", "quadratic"), ("rows", "columns"), ("mean", "median"), ("local", "global"),
    ("independent", "dependent"), ("parallel", "sequential"), ("first", "last"),
    ("low", "high"), ("small", "large"), ("stable", "unstable"), ("same", "different"),
    ("shorter", "longer"), ("cheaper", "more expensive"), ("easier", "harder"),
    ("training", "inference"), ("false positives", "false negatives"), ("keys", "values"),
    ("lowers", "raises"), ("better", "worse"), ("less", "more"), ("without", "with"),
    ("convex", "non-convex"), ("biased", "unbiased"), ("online", "offline"),
    ("under", "over"), ("row", "column"), ("majority", "minority"), ("up", "down"),
]
_SWAP = {a.lower(): b for a, b in SWAPS} | {b.lower(): a for a, b in SWAPS}
_SWAP_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _SWAP), key=len, reverse=True))
                      + r")\b", re.IGNORECASE)
_NEG_RE = re.compile(r"\b(is|are|does|do|can|will|should|has|have|was|were)( not|n't)?\b",
                     re.IGNORECASE)
_NUM_RE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(?![\w.])")


def _case(src: str, new: str) -> str:
    return new[:1].upper() + new[1:] if src[:1].isupper() else new


def swap_terms(text: str, rng: random.Random) -> str | None:
    hits = list(_SWAP_RE.finditer(text))
    if not hits:
        return None
    pick = rng.choice(hits)  # swap one term: a subtle error, not a mirror of the sentence
    new = _case(pick.group(0), _SWAP[pick.group(0).lower()])
    return text[: pick.start()] + new + text[pick.end():]


def toggle_negation(text: str) -> str | None:
    m = _NEG_RE.search(text)
    if not m:
        return None
    verb, neg = m.group(1), m.group(2)
    new = verb if neg else f"{verb} not"
    return text[: m.start()] + new + text[m.end():]


def change_number(text: str, rng: random.Random) -> str | None:
    hits = list(_NUM_RE.finditer(text))
    if not hits:
        return None
    m = rng.choice(hits)
    value = float(m.group(1))
    factor = rng.choice([2, 3, 10, 0.5, 0.1])
    new = value * factor if value else rng.choice([1, 2, 10])
    shown = str(int(new)) if float(new).is_integer() else f"{new:g}"
    if shown == m.group(1):
        return None
    return text[: m.start()] + shown + text[m.end():]


def perturb(text: str, rng: random.Random) -> str | None:
    for fn in rng.sample([0, 1, 2], 3):
        out = (swap_terms(text, rng) if fn == 0 else toggle_negation(text) if fn == 1
               else change_number(text, rng))
        if out and out != text:
            return out
    return None


def semeval_pairs(directory: Path) -> list[Pair]:
    pairs: list[Pair] = []
    for name in ("scientsbank-train.jsonl", "beetle-train.jsonl"):
        path = directory / name
        if not path.exists():
            continue
        for line in path.open(encoding="utf-8"):
            r = json.loads(line)
            pairs.append((r["reference_answer"], r["answer"], SEMEVAL_LABELS[r["label"]]))
    return pairs


def _windows(fx: Any, rubric: Any) -> dict[str, tuple[str, int, int]]:
    """Each key point's window in the model answer: (text, first unit, last unit)."""
    out: dict[str, tuple[str, int, int]] = {}
    if not rubric.model_answer.strip():
        return out
    prep = fx.prepare(rubric.model_answer, rubric.prompt)
    for p in rubric.points:
        found = fx.best_features(prep, p.references, rubric.prompt)
        if found is None:
            continue
        _, lo, hi = found
        text = rubric.model_answer[prep.units[lo].start: prep.units[hi].end]
        out[p.id] = (text, lo, hi)
    return out


def bank_pairs(seed: int = 13) -> list[Pair]:
    from coach.embeddings import shared_embedder
    from coach.grading.features import FeatureExtractor
    from coach.grading.rubric import rubric_for
    from coach.knowledge.loader import load_knowledge
    from coach.paths import knowledge_dir
    from evals.fit_curve import split_of

    rng = random.Random(seed)
    kb = load_knowledge(knowledge_dir())
    fx = FeatureExtractor(shared_embedder())
    rubrics = [rubric_for(q.question) for q in kb.questions.values()
               if q.question.kind != "behavioral" and split_of(q.question.id) == "train"]
    shared_embedder().encode([r.model_answer for r in rubrics])
    pairs: list[Pair] = []
    all_windows: list[str] = []
    for rubric in rubrics:
        wins = _windows(fx, rubric)
        all_windows += [w[0] for w in wins.values()]
        for p in rubric.points:
            if p.id not in wins:
                continue
            text, lo, hi = wins[p.id]
            pairs.append((p.text, text, ENTAIL))
            bad = perturb(text, rng)
            if bad:
                pairs.append((p.text, bad, CONTRADICT))
            bad_point = perturb(p.text, rng)
            if bad_point:
                pairs.append((p.text, bad_point, CONTRADICT))
            others = [w for k, w in wins.items() if k != p.id and (w[2] < lo or w[1] > hi)]
            if others:
                pairs.append((p.text, rng.choice(others)[0], NEUTRAL))
        for m in rubric.misconceptions:
            pairs.append((m.correction, m.claim, CONTRADICT))
            pairs.append((m.claim, m.correction, CONTRADICT))
            pairs.append((m.correction, m.correction, ENTAIL))
    for rubric in rubrics:  # easy neutrals: a point against another question's text
        for p in rubric.points[:2]:
            pairs.append((p.text, rng.choice(all_windows), NEUTRAL))
    return pairs


def verdict_rows(path: Path) -> Iterator[dict[str, Any]]:
    if path.exists():
        for line in path.open(encoding="utf-8"):
            if line.strip():
                yield json.loads(line)


def verdict_pairs(path: Path) -> list[Pair]:
    """Pairs from a labelled verdict file; absent points use the grader's own window."""
    from coach.embeddings import shared_embedder
    from coach.grading.features import FeatureExtractor
    from coach.grading.rubric import rubric_for
    from coach.knowledge.loader import load_knowledge
    from coach.paths import knowledge_dir

    kb = load_knowledge(knowledge_dir())
    fx = FeatureExtractor(shared_embedder())
    pairs: list[Pair] = []
    for row in verdict_rows(path):
        rubric = rubric_for(kb.question(row["question_id"]).question)
        prep = None
        for p in rubric.points:
            label = row["points"].get(p.id)
            if label is None:
                continue
            if label["verdict"] == "stated" and label.get("span"):
                pairs.append((p.text, label["span"], ENTAIL))
            elif label["verdict"] == "contradicted" and label.get("span"):
                pairs.append((p.text, label["span"], CONTRADICT))
            elif label["verdict"] == "absent":
                prep = prep or fx.prepare(row["answer"], rubric.prompt)
                found = fx.best_features(prep, p.references, rubric.prompt)
                if found is not None:
                    lo, hi = found[1], found[2]
                    pairs.append((p.text, row["answer"][prep.units[lo].start:
                                                        prep.units[hi].end], NEUTRAL))
    return pairs


WRITTEN_LABELS = {"entail": ENTAIL, "contradict": CONTRADICT, "neutral": NEUTRAL}


def written_pairs(path: Path) -> list[Pair]:
    """The written candidate-style pairs; rows of test-side questions are refused."""
    from evals.fit_curve import split_of

    pairs: list[Pair] = []
    for row in verdict_rows(path):
        if split_of(row["question_id"]) != "train" or row.get("label") not in WRITTEN_LABELS:
            continue
        pairs.append((row["statement"], row["text"], WRITTEN_LABELS[row["label"]]))
    return pairs
