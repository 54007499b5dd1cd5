"""Fit the score curve on the training questions of the project's own graded answers."""

from __future__ import annotations


def fit_curve() -> None:
    print("score curve: not fitted yet (identity)")
