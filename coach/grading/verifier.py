"""The key-point verifier: reads a rubric statement and the candidate's words together.

A cross-encoder built from the bundled all-MiniLM-L6-v2: the statement and the answer window
go through the transformer as one pair, so every layer can compare them word by word, and a
small head says whether the window states the statement (entails), says something
incompatible with it (contradicts) or neither (neutral). Only the top layers and the head are
fine-tuned (`evals/train_verifier.py`, training data only); they ship in `verifier.pt` beside
this file and the lower layers come from the bundled model, so nothing is downloaded.

Torch and transformers are imported on first use only.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WEIGHTS_FILE = Path(__file__).with_name("verifier.pt")
LABELS = ("entail", "contradict", "neutral")
MAX_TOKENS = 128


@dataclass(frozen=True)
class Verdict3:
    """The verifier's probabilities for one (statement, window) pair."""

    entail: float
    contradict: float
    neutral: float


def build_net(bert: Any, frozen: int) -> Any:
    """The verifier network around a BertModel: the first `frozen` layers are shared and
    never trained; the rest and a linear head over the mean-pooled output are."""
    import torch

    class VerifierNet(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert
            self.frozen = frozen
            self.head = torch.nn.Sequential(
                torch.nn.Dropout(0.1), torch.nn.Linear(bert.config.hidden_size, len(LABELS)))

        @staticmethod
        def _mask(attention: Any) -> Any:
            return (1.0 - attention[:, None, None, :].to(torch.float32)) * -1e4

        def lower(self, ids: Any, types: Any, attention: Any) -> Any:
            """Hidden states after the frozen layers (no gradient)."""
            with torch.no_grad():
                h = self.bert.embeddings(input_ids=ids, token_type_ids=types)
                mask = self._mask(attention)
                for layer in self.bert.encoder.layer[: self.frozen]:
                    h = _first(layer(h, attention_mask=mask))
            return h

        def upper(self, h: Any, attention: Any) -> Any:
            mask = self._mask(attention)
            for layer in self.bert.encoder.layer[self.frozen:]:
                h = _first(layer(h, attention_mask=mask))
            m = attention.unsqueeze(-1).to(h.dtype)
            pooled = (h * m).sum(1) / m.sum(1).clamp(min=1.0)
            return self.head(pooled)

        def forward(self, ids: Any, types: Any, attention: Any) -> Any:
            return self.upper(self.lower(ids, types, attention), attention)

        def trainable_state(self) -> dict[str, Any]:
            keep = {f"bert.encoder.layer.{i}." for i in range(self.frozen,
                                                              len(self.bert.encoder.layer))}
            return {k: v for k, v in self.state_dict().items()
                    if k.startswith("head.") or any(k.startswith(p) for p in keep)}

    return VerifierNet()


def _first(out: Any) -> Any:
    return out[0] if isinstance(out, tuple) else out


def load_base() -> tuple[Any, Any]:
    """The bundled MiniLM as a plain BertModel and its tokenizer (offline)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    from coach.embeddings import model_path

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    path = model_path()
    return AutoModel.from_pretrained(path), AutoTokenizer.from_pretrained(path)


class Verifier:
    """Loads the shipped weights lazily; thread-safe; caches recent pairs."""

    def __init__(self, weights: Path = WEIGHTS_FILE, cache_size: int = 20000) -> None:
        self.weights = weights
        self._net: Any = None
        self._tok: Any = None
        self._lock = threading.RLock()
        self._cache: OrderedDict[tuple[str, str], Verdict3] = OrderedDict()
        self._cache_size = cache_size
        self.meta: dict[str, Any] = {}

    @property
    def available(self) -> bool:
        return self.weights.exists()

    def load(self) -> None:
        with self._lock:
            if self._net is not None:
                return
            import torch

            saved = torch.load(self.weights, map_location="cpu", weights_only=True)
            bert, tok = load_base()
            net = build_net(bert, int(saved["frozen"]))
            state = {k: v.to(torch.float32) for k, v in saved["state"].items()}
            missing = net.load_state_dict(state, strict=False)
            if missing.unexpected_keys:
                raise ValueError(f"verifier weights do not fit the model: "
                                 f"{missing.unexpected_keys[:3]}")
            net.eval()
            self.meta = {k: v for k, v in saved.items() if k not in ("state",)}
            self._net, self._tok = net, tok

    def clear_cache(self) -> None:
        """Forget the scored pairs (the weights stay loaded)."""
        with self._lock:
            self._cache.clear()

    def scored_pairs(self) -> list[tuple[str, str]]:
        """The (statement, window) pairs scored since the cache was last cleared (at most
        `cache_size` of them), oldest first."""
        with self._lock:
            return list(self._cache)

    def score(self, pairs: Sequence[tuple[str, str]], batch_size: int = 32) -> list[Verdict3]:
        """Probabilities for (statement, candidate window) pairs, in order."""
        todo = [p for p in dict.fromkeys(pairs) if p not in self._cache]
        if todo:
            self.load()
            import torch

            with self._lock, torch.inference_mode():
                todo.sort(key=lambda p: len(p[0]) + len(p[1]))  # less padding per batch
                for i in range(0, len(todo), batch_size):
                    chunk = todo[i: i + batch_size]
                    enc = self._tok([a for a, _ in chunk], [b for _, b in chunk],
                                    padding=True, truncation="only_second",
                                    max_length=MAX_TOKENS, return_tensors="pt")
                    logits = self._net(enc["input_ids"], enc["token_type_ids"],
                                       enc["attention_mask"])
                    probs = torch.softmax(logits, dim=-1).tolist()
                    for pair, pr in zip(chunk, probs, strict=True):
                        self._cache[pair] = Verdict3(*(round(float(x), 4) for x in pr))
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return [self._cache[p] for p in pairs]


_shared: Verifier | None = None
_shared_lock = threading.Lock()


def shared_verifier() -> Verifier:
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Verifier()
        return _shared
