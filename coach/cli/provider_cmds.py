"""`coach providers` and `coach providers check`: which LLM is configured, and does it work."""

from __future__ import annotations

import time
from typing import Any

import typer

from coach.cli import app

providers_app = typer.Typer(help="LLM providers: list them, check the configured one.",
                            invoke_without_command=True)
app.add_typer(providers_app, name="providers")


def _overrides(provider: str, model: str, base_url: str, timeout: float | None
               ) -> dict[str, Any]:
    values: dict[str, Any] = {"provider": provider, "model": model, "base_url": base_url,
                                 "timeout": timeout}
    return {k: v for k, v in values.items() if v not in ("", None)}


@providers_app.callback()
def providers_list(ctx: typer.Context) -> None:
    """List provider kinds and the current settings (the key is never shown)."""
    if ctx.invoked_subcommand is not None:
        return
    from coach.providers.registry import KINDS
    from coach.services import build_services
    from coach.settings import api_key

    settings = build_services().settings
    for kind in KINDS:
        url = f"  [{kind.default_url}]" if kind.default_url else ""
        print(f"{kind.prefix:11} {kind.about}{url}")
    key = "set" if api_key(settings) else "not set"
    print(f"\ncurrent: provider={settings.provider} model={settings.model or '-'} "
          f"base_url={settings.base_url or '-'} api_key={key} timeout={settings.timeout:g}s "
          f"temperature={settings.temperature:g} max_retries={settings.max_retries}")


@providers_app.command("check")
def providers_check(
    provider: str = typer.Option("", "--provider", help="Provider id, e.g. openai/gpt-4o-mini."),
    model: str = typer.Option("", "--model", help="Model name."),
    base_url: str = typer.Option("", "--base-url", help="OpenAI-compatible server URL."),
    timeout: float | None = typer.Option(None, "--timeout", help="Seconds for the request."),
) -> None:
    """Make one real request and report success, or the exact problem and its fix."""
    from coach.errors import CoachError
    from coach.providers.base import Message
    from coach.services import build_services
    from coach.settings import load_settings

    svc = build_services(load_settings(**_overrides(provider, model, base_url, timeout)))
    chat = svc.chat
    if chat is None:
        print("provider is offline: nothing to check — set COACH_PROVIDER or pass --provider")
        return
    chat.max_tokens = 32  # a check needs one sentence, not a page
    start = time.perf_counter()
    first: float | None = None
    text = ""
    for piece in chat.stream([Message("user", "Reply with one short friendly sentence.")]):
        if first is None:
            first = time.perf_counter() - start
        text += piece
    total = time.perf_counter() - start
    if not text.strip():
        raise CoachError(f"{chat.id}: the server answered with an empty reply — check that "
                         "the model is a chat model")
    print(f"ok: {chat.id} replied in {total:.2f} s (first token {first or total:.2f} s): "
          f"{' '.join(text.split())[:120]}")
