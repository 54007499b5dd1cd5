"""Choose a chat provider from its id and the settings.

Ids: `offline` (no LLM), `fake` (scripted, for tests), `openai/MODEL`, `compatible/MODEL`
with a base URL, the shortcuts `ollama/`, `vllm/`, `lmstudio/`, `llamacpp/` (their usual
local URL unless a base URL is set), and `local[/PATH.gguf]` (in-process llama.cpp).
"""

from __future__ import annotations

from dataclasses import dataclass

from coach.errors import ConfigError
from coach.providers.base import ChatProvider
from coach.settings import Settings, api_key


@dataclass(frozen=True)
class Kind:
    prefix: str
    about: str
    default_url: str = ""
    needs_key: bool = False


KINDS = [
    Kind("offline", "no LLM: the template interviewer and the offline grader (default)"),
    Kind("openai", "OpenAI's API; model as openai/MODEL or COACH_MODEL", needs_key=True),
    Kind("compatible", "any OpenAI-compatible server at COACH_BASE_URL"),
    Kind("ollama", "Ollama", "http://127.0.0.1:11434/v1"),
    Kind("vllm", "vLLM", "http://127.0.0.1:8000/v1"),
    Kind("lmstudio", "LM Studio", "http://127.0.0.1:1234/v1"),
    Kind("llamacpp", "llama.cpp's server (llama-server or python -m llama_cpp.server)",
         "http://127.0.0.1:8080/v1"),
    Kind("local", "a GGUF model in-process via llama-cpp-python (pip install 'coach[local]')"),
    Kind("fake", "a scripted model for tests"),
]


def split_id(provider: str, model: str) -> tuple[Kind, str]:
    """(kind, model) from an id such as 'openai/gpt-4o-mini'; the model may come from settings."""
    prefix, _, rest = provider.strip().partition("/")
    kind = next((k for k in KINDS if k.prefix == prefix.lower()), None)
    if kind is None:
        raise ConfigError(f"unknown provider '{provider}' — use one of "
                          + ", ".join(k.prefix for k in KINDS) + " (see 'coach providers')")
    return kind, rest or model


def provider_from_settings(settings: Settings) -> ChatProvider | None:
    """The provider the settings ask for; None means offline."""
    if settings.provider.strip() in ("", "offline"):
        return None
    kind, model = split_id(settings.provider, settings.model)
    if kind.prefix == "fake":
        from coach.providers.fake import FakeProvider

        return FakeProvider(max_retries=settings.max_retries)
    if kind.prefix == "local":
        return _local(model, settings.temperature)
    key = api_key(settings)
    base_url = settings.base_url or kind.default_url
    if not model:
        raise ConfigError(f"provider '{kind.prefix}' needs a model — use {kind.prefix}/MODEL "
                          "or set COACH_MODEL")
    if kind.prefix == "compatible" and not base_url:
        raise ConfigError("provider 'compatible' needs a server — set COACH_BASE_URL, e.g. "
                          "http://127.0.0.1:8080/v1")
    if kind.needs_key and not key and not settings.base_url:
        raise ConfigError(f"provider '{kind.prefix}' needs an API key — set OPENAI_API_KEY or "
                          "COACH_API_KEY, or api_key in the config file")
    from coach.providers.openai_compat import OpenAICompatProvider

    return OpenAICompatProvider(
        provider_id=f"{kind.prefix}/{model}", model=model, base_url=base_url, api_key=key,
        timeout=settings.timeout, temperature=settings.temperature,
        max_retries=settings.max_retries, needs_key=kind.needs_key)


def _local(model: str, temperature: float) -> ChatProvider:
    from pathlib import Path

    from coach.paths import resolve_paths
    from coach.providers.local import BUNDLED, LocalProvider, bundled_model_path

    if model in ("", BUNDLED):
        path = bundled_model_path(resolve_paths().data_dir / "models")
        return LocalProvider(path, temperature=temperature, chat_format="gemma")
    return LocalProvider(Path(model).expanduser(), temperature=temperature)
