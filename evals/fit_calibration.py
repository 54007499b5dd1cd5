"""Fit the grader's coverage calibration on TRAINING data only and write it as a file.

    .venv/bin/python evals/fit_calibration.py [--semeval DIR]

Fits a logistic model from coverage features to "the reference is stated" on the SemEval-2013
SciEntsBank training split (never its test splits), then fits the score curve that maps
weighted key-point coverage to the 0-5 scale on the training half of the project's own graded
answers (questions split by a fixed hash; the other half is held out for reporting).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coach.embeddings import shared_embedder  # noqa: E402
from coach.grading.features import CALIBRATION_FILE, FEATURES, FeatureExtractor  # noqa: E402


def semeval_features(path: Path, fx: FeatureExtractor) -> tuple[np.ndarray, np.ndarray]:
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    texts = []
    for r in rows:
        texts += [r["question"], *(r.get("reference_answers") or [r["reference_answer"]])]
    fx.embedder.encode(list(dict.fromkeys(texts)))
    X, y = [], []
    for r in rows:
        prep = fx.prepare(r["answer"], r["question"])
        found = fx.best_features(prep, r.get("reference_answers") or [r["reference_answer"]],
                                 r["question"])
        X.append(found[0] if found else [0.0] * len(FEATURES))
        y.append(float(r["score"]) / float(r["max_score"]))
    return np.array(X), (np.array(y) >= 0.5).astype(int)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--semeval", type=Path, default=ROOT.parent / "shared/datasets/semeval2013")
    parser.add_argument("--curve-only", action="store_true")
    args = parser.parse_args()
    from sklearn.linear_model import LogisticRegression

    fx = FeatureExtractor(shared_embedder())
    data = json.loads(CALIBRATION_FILE.read_text()) if CALIBRATION_FILE.exists() else {}
    if not args.curve_only:
        X, y = semeval_features(args.semeval / "scientsbank-train.jsonl", fx)
        mean, scale = X.mean(axis=0), X.std(axis=0) + 1e-9
        model = LogisticRegression(C=1.0, max_iter=5000).fit((X - mean) / scale, y)
        data.update({
            "features": list(FEATURES),
            "mean": mean.round(6).tolist(),
            "scale": scale.round(6).tolist(),
            "coef": model.coef_[0].round(6).tolist(),
            "intercept": round(float(model.intercept_[0]), 6),
            "fitted_on": "SemEval-2013 SciEntsBank train split (scientsbank-train.jsonl)",
            "rows": len(y),
        })
        data.setdefault("score_curve", [[0.0, 0.0], [1.0, 1.0]])
        CALIBRATION_FILE.write_text(json.dumps(data, indent=1) + "\n")
        print(f"coverage model fitted on {len(y)} rows")
    from evals.fit_curve import fit_curve  # the own-set curve, training questions only

    fit_curve()


if __name__ == "__main__":
    main()
