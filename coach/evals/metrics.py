"""Agreement metrics in plain NumPy."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def pearson(x: Sequence[float], y: Sequence[float]) -> float:
    a, b = np.asarray(x, float), np.asarray(y, float)
    if len(a) < 2 or a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def _ranks(x: np.ndarray) -> np.ndarray:
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x), float)
    sx = x[order]
    i = 0
    while i < len(x):
        j = i
        while j + 1 < len(x) and sx[j + 1] == sx[i]:
            j += 1
        ranks[order[i: j + 1]] = (i + j) / 2.0 + 1
        i = j + 1
    return ranks


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    return pearson(_ranks(np.asarray(x, float)).tolist(), _ranks(np.asarray(y, float)).tolist())


def auc(scores: Sequence[float], labels: Sequence[int]) -> float:
    s, y = np.asarray(scores, float), np.asarray(labels, int)
    pos, neg = int(y.sum()), int(len(y) - y.sum())
    if pos == 0 or neg == 0:
        return float("nan")
    r = _ranks(s)
    return float((r[y == 1].sum() - pos * (pos + 1) / 2) / (pos * neg))


def qwk(a: Sequence[float], b: Sequence[float], *, step: float = 0.5, top: float = 5.0) -> float:
    """Quadratic weighted kappa on the 0..top scale rounded to `step`."""
    n = round(top / step) + 1
    ia = np.clip(np.rint(np.asarray(a, float) / step), 0, n - 1).astype(int)
    ib = np.clip(np.rint(np.asarray(b, float) / step), 0, n - 1).astype(int)
    observed = np.zeros((n, n))
    for i, j in zip(ia, ib, strict=True):
        observed[i, j] += 1
    weights = np.array([[(i - j) ** 2 for j in range(n)] for i in range(n)]) / (n - 1) ** 2
    expected = np.outer(observed.sum(1), observed.sum(0)) / max(1, observed.sum())
    denom = (weights * expected).sum()
    return float(1 - (weights * observed).sum() / denom) if denom else float("nan")


def rmse(a: Sequence[float], b: Sequence[float]) -> float:
    d = np.asarray(a, float) - np.asarray(b, float)
    return float(math.sqrt((d**2).mean())) if len(d) else float("nan")


def mae(a: Sequence[float], b: Sequence[float]) -> float:
    d = np.asarray(a, float) - np.asarray(b, float)
    return float(np.abs(d).mean()) if len(d) else float("nan")
