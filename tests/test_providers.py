"""The provider interface, the scripted fake, retries, repair, leaks and the registry."""

from __future__ import annotations

import threading

import pytest
from pydantic import BaseModel

from coach.errors import ConfigError, ProviderError
from coach.providers.base import Message
from coach.providers.errors import ProviderOutputError, ProviderUnavailable
from coach.providers.fake import FakeProvider
from coach.providers.leak import LeakGuard
from coach.providers.redact import redact
from coach.providers.registry import provider_from_settings
from coach.settings import load_settings

HELLO = [Message("user", "hello")]


class Pet(BaseModel):
    name: str
    legs: int


def test_fake_replays_the_queue_and_records_what_it_was_asked() -> None:
    fake = FakeProvider()
    fake.enqueue(["first", {"name": "Rex", "legs": 4}])
    assert fake.complete(HELLO) == "first"
    assert fake.structured(HELLO, Pet) == Pet(name="Rex", legs=4)
    assert [c.kind for c in fake.history] == ["complete", "structured"]
    assert fake.history[1].schema == "Pet"
    with pytest.raises(ProviderError, match="no scripted reply left"):
        fake.complete(HELLO)


def test_transient_errors_are_retried_a_bounded_number_of_times() -> None:
    busy = ProviderUnavailable("busy", "rate limited (429)")
    fake = FakeProvider([busy, busy, "finally"], max_retries=2)
    assert fake.complete(HELLO) == "finally"
    fake = FakeProvider([busy, busy, busy, "never reached"], max_retries=2)
    with pytest.raises(ProviderUnavailable, match="busy"):
        fake.complete(HELLO)
    assert len(fake.history) == 3 and fake.queue == ["never reached"]


def test_malformed_structured_output_gets_one_repair_then_a_clear_error() -> None:
    fake = FakeProvider(['{"name": "Rex"}', '{"name": "Rex", "legs": 4}'])
    assert fake.structured(HELLO, Pet).legs == 4
    repair = fake.history[1].messages[-1].content
    assert "legs" in repair and "Field required" in repair
    fake = FakeProvider(["not json", '{"legs": "many"}', "never asked"])
    with pytest.raises(ProviderOutputError, match="malformed twice"):
        fake.structured(HELLO, Pet)
    assert fake.queue == ["never asked"]


def test_stream_yields_pieces_and_stops_when_cancelled() -> None:
    fake = FakeProvider(["one two three four five"])
    assert "".join(fake.stream(HELLO)) == "one two three four five"
    cancel = threading.Event()
    fake.enqueue(["one two three four five"])
    got = []
    for piece in fake.stream(HELLO, cancel):
        got.append(piece)
        cancel.set()
    assert got == ["one "]


def test_a_stream_failing_before_its_first_piece_is_retried() -> None:
    fake = FakeProvider([ProviderUnavailable("down", "connection failed"), "back up"])
    assert "".join(fake.stream(HELLO)) == "back up"


def test_leak_guard_flags_model_answer_phrases_but_not_the_question() -> None:
    guard = LeakGuard(["Exponentiating gives the odds ratio so each ticket doubles the odds"],
                      allowed=["Explain what each ticket doubles the odds of churn means"])
    assert guard.leaks("Hint: exponentiating gives the odds ratio here") == [
        "exponentiating gives the odds ratio"]
    assert guard.leaks("So, what does it mean that each ticket doubles the odds of churn?") == []
    text = "Could you walk me through how you read it"
    assert text[:guard.safe_prefix(text)] == "Could you walk me through "  # last 4 held


def test_redact_removes_known_secrets_and_key_shaped_strings() -> None:
    line = "failed with key sk-live-abcdefghijkl and secret hunter2-secret"
    out = redact(line, "hunter2-secret")
    assert "sk-live" not in out and "hunter2" not in out and out.count("[redacted]") == 2


def test_registry_builds_providers_from_ids_and_explains_bad_ones() -> None:
    assert provider_from_settings(load_settings()) is None
    assert isinstance(provider_from_settings(load_settings(provider="fake")), FakeProvider)
    ollama = provider_from_settings(load_settings(provider="ollama/llama3.1"))
    assert ollama is not None and ollama.model == "llama3.1"
    assert ollama.base_url == "http://127.0.0.1:11434/v1"  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match=r"unknown provider 'anthropic/x'.*coach providers"):
        provider_from_settings(load_settings(provider="anthropic/x"))
    with pytest.raises(ConfigError, match=r"needs an API key.*OPENAI_API_KEY"):
        provider_from_settings(load_settings(provider="openai/gpt-4o-mini"))
    with pytest.raises(ConfigError, match="COACH_BASE_URL"):
        provider_from_settings(load_settings(provider="compatible/m"))
    with pytest.raises(ConfigError, match="needs a model"):
        provider_from_settings(load_settings(provider="vllm"))


def test_the_key_comes_from_the_environment_and_is_never_in_repr(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-0123456789")
    chat = provider_from_settings(load_settings(provider="openai/gpt-4o-mini"))
    assert chat is not None and chat.needs_key
    assert "sk-env" not in repr(chat) and "sk-env" not in str(vars(load_settings()))
