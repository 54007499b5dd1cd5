"""Rebuild the key-point verifier's weights from scratch, on training data only.

    .venv/bin/python evals/train_verifier.py [--semeval DIR] [--epochs N] [--frozen K]

Builds the pairs (`evals/verifier_data.py`), runs the frozen lower layers of the bundled
MiniLM once over every pair (cached), trains the upper layers and a 3-way head with fixed
seeds, writes `coach/grading/verifier.pt` (upper layers and head in float16) and prints the
held-out figures: SemEval-2013 test splits and the test half of the own verdict set. About
20-40 minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coach.grading.verifier import LABELS, MAX_TOKENS, WEIGHTS_FILE, build_net, load_base  # noqa: E402
from evals.verifier_data import (  # noqa: E402
    CONTRADICT,
    ENTAIL,
    NEUTRAL,
    Pair,
    bank_pairs,
    semeval_pairs,
    verdict_pairs,
    written_pairs,
)

VERDICTS = ROOT / "evals" / "datasets" / "keypoint_verdicts"
WRITTEN = ROOT / "evals" / "datasets" / "verifier_pairs.train.jsonl"


def auc(pos: list[float], neg: list[float]) -> float:
    if not pos or not neg:
        return float("nan")
    p, n = np.array(pos)[:, None], np.array(neg)[None, :]
    return float(((p > n).sum() + 0.5 * (p == n).sum()) / (p.size * n.size))


def encode(tok: object, pairs: list[Pair]) -> list[dict[str, list[int]]]:
    out = []
    for a, b, _ in pairs:
        enc = tok(a, b, truncation="only_second", max_length=MAX_TOKENS)  # type: ignore[operator]
        out.append({"ids": enc["input_ids"], "types": enc["token_type_ids"]})
    return out


def batches(items: list[int], size: int, rng: random.Random | None) -> list[list[int]]:
    idx = list(items)
    if rng is not None:
        rng.shuffle(idx)
    return [idx[i: i + size] for i in range(0, len(idx), size)]


def collate(enc: list[dict[str, list[int]]], idx: list[int]) -> tuple[object, object, object]:
    import torch

    n = max(len(enc[i]["ids"]) for i in idx)
    ids = torch.zeros((len(idx), n), dtype=torch.long)
    types = torch.zeros_like(ids)
    att = torch.zeros_like(ids)
    for row, i in enumerate(idx):
        k = len(enc[i]["ids"])
        ids[row, :k] = torch.tensor(enc[i]["ids"])
        types[row, :k] = torch.tensor(enc[i]["types"])
        att[row, :k] = 1
    return ids, types, att


def predict(net: object, tok: object, pairs: list[Pair]) -> np.ndarray:
    import torch

    enc = encode(tok, pairs)
    order = sorted(range(len(pairs)), key=lambda i: len(enc[i]["ids"]))
    out = np.zeros((len(pairs), len(LABELS)))
    with torch.inference_mode():
        for idx in batches(order, 64, None):
            ids, types, att = collate(enc, idx)
            logits = net(ids, types, att)  # type: ignore[operator]
            out[idx] = torch.softmax(logits, -1).numpy()
    return out


def report(net: object, tok: object, semeval: Path) -> dict[str, float]:
    figures: dict[str, float] = {}
    for name in ("scientsbank-test-unseen-questions", "scientsbank-test-unseen-domains",
                 "beetle-test-unseen-questions"):
        path = semeval / f"{name}.jsonl"
        if not path.exists():
            continue
        rows = [json.loads(x) for x in path.open(encoding="utf-8")]
        pr = predict(net, tok, [(r["reference_answer"], r["answer"], 0) for r in rows])
        s = pr[:, ENTAIL] - pr[:, CONTRADICT]
        by = {lab: [float(v) for v, r in zip(s, rows, strict=True) if r["label"] == lab]
              for lab in ("correct", "contradictory", "incorrect")}
        figures[f"{name}:correct-vs-contradictory"] = auc(by["correct"], by["contradictory"])
        figures[f"{name}:correct-vs-rest"] = auc(by["correct"],
                                                 by["contradictory"] + by["incorrect"])
    test = verdict_pairs(VERDICTS.with_suffix(".test.jsonl"))
    if test:
        pr = predict(net, tok, test)
        lab = np.array([p[2] for p in test])
        figures["verdicts:stated-vs-absent(entail)"] = auc(
            list(pr[lab == ENTAIL, ENTAIL]), list(pr[lab == NEUTRAL, ENTAIL]))
        figures["verdicts:contradicted-vs-stated(contradict)"] = auc(
            list(pr[lab == CONTRADICT, CONTRADICT]), list(pr[lab == ENTAIL, CONTRADICT]))
        figures["verdicts:contradicted-vs-absent(contradict)"] = auc(
            list(pr[lab == CONTRADICT, CONTRADICT]), list(pr[lab == NEUTRAL, CONTRADICT]))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--semeval", type=Path, default=ROOT.parent / "shared/datasets/semeval2013")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--frozen", type=int, default=3)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--limit", type=int, default=0, help="at most N pairs (smoke runs)")
    parser.add_argument("--out", type=Path, default=WEIGHTS_FILE)
    parser.add_argument("--pairs", type=Path, default=None,
                        help="a JSON file to keep the built pairs in (reused when present)")
    args = parser.parse_args()

    import torch

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(2)
    t0 = time.time()
    if args.pairs is not None and args.pairs.exists():
        sources = {k: [tuple(p) for p in v] for k, v in json.loads(args.pairs.read_text()).items()}
    else:
        sources = {"semeval": semeval_pairs(args.semeval), "bank": bank_pairs(args.seed),
                   # the closest to real candidates' words: seen three times per epoch
                   "verdicts": verdict_pairs(VERDICTS.with_suffix(".train.jsonl")) * 3,
                   "written": written_pairs(WRITTEN) * 2}
        if args.pairs is not None:
            args.pairs.write_text(json.dumps(sources))
    pairs = [p for src in sources.values() for p in src]
    rng = random.Random(args.seed)
    rng.shuffle(pairs)
    if args.limit:
        pairs = pairs[: args.limit]
    counts = np.bincount([p[2] for p in pairs], minlength=3)
    print(f"pairs: {len(pairs)} ({', '.join(f'{k} {len(v)}' for k, v in sources.items())}); "
          f"entail {counts[0]}, contradict {counts[1]}, neutral {counts[2]}", flush=True)

    bert, tok = load_base()
    torch.set_num_threads(2)  # the embedder used for the pairs set one thread
    net = build_net(bert, args.frozen)
    enc = encode(tok, pairs)
    labels = torch.tensor([p[2] for p in pairs])
    # The frozen layers see each pair once: their outputs are cached for every epoch.
    order = sorted(range(len(pairs)), key=lambda i: len(enc[i]["ids"]))
    groups = batches(order, args.batch, None)  # length-bucketed batches, shuffled per epoch
    cache = []
    net.eval()
    for idx in groups:
        ids, types, att = collate(enc, idx)
        cache.append((net.lower(ids, types, att).to(torch.float16), att, labels[idx]))
    print(f"lower layers cached in {time.time() - t0:.0f} s", flush=True)

    for p in net.bert.parameters():
        p.requires_grad_(False)
    params = [p for layer in net.bert.encoder.layer[args.frozen:] for p in layer.parameters()]
    for p in params:
        p.requires_grad_(True)
    head = list(net.head.parameters())
    opt = torch.optim.AdamW([{"params": params, "lr": args.lr},
                             {"params": head, "lr": args.lr * 10}], weight_decay=0.01)
    weights = torch.tensor(len(pairs) / (3 * np.maximum(counts, 1)), dtype=torch.float32)
    loss_fn = torch.nn.CrossEntropyLoss(weight=weights, label_smoothing=0.05)
    steps = args.epochs * len(cache)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=[args.lr, args.lr * 10], total_steps=steps, pct_start=0.1)
    for epoch in range(args.epochs):
        net.train()
        total = 0.0
        for b in batches(list(range(len(cache))), 1, rng):
            h, att, y = cache[b[0]]
            logits = net.upper(h.to(torch.float32), att)
            loss = loss_fn(logits, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss)
        net.eval()
        print(f"epoch {epoch + 1}: loss {total / len(cache):.4f} ({time.time() - t0:.0f} s)",
              flush=True)
    figures = report(net, tok, args.semeval)
    for k, v in figures.items():
        print(f"  {k}: {v:.3f}")
    state = {k: v.to(torch.float16) for k, v in net.trainable_state().items()}
    torch.save({"frozen": args.frozen, "state": state, "labels": list(LABELS),
                "trained_on": {k: len(v) for k, v in sources.items()},
                "epochs": args.epochs, "seed": args.seed,
                "held_out": {k: round(v, 4) for k, v in figures.items()}}, args.out)
    size = args.out.stat().st_size / 1e6
    print(f"wrote {args.out} ({size:.1f} MB) in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
