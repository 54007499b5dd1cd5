"""`coach eval interviewer`: personas, checks, and a small run on the real engine."""

from __future__ import annotations

import pytest

from coach.evals.interviewer_eval import (
    CHECKS,
    evaluate,
    judge_followup,
    leaked_ngrams,
    sample_questions,
)
from coach.evals.personas import INJECTION, PERSONAS, Persona, build_personas, llm_candidate
from coach.grading import signals
from coach.interview.followups import FollowUp


def _technical_with_misconception(kb):  # type: ignore[no-untyped-def]
    return next(q for q in sorted(kb.questions.values(), key=lambda q: q.id)
                if q.kind == "technical" and q.question.misconceptions
                and len(q.question.key_points) >= 4)


def test_personas_are_deterministic_and_shaped_as_named(kb) -> None:  # type: ignore[no-untyped-def]
    bq = _technical_with_misconception(kb)
    first = {p.name: p for p in build_personas(kb, bq)}
    again = {p.name: p for p in build_personas(kb, bq)}
    assert first == again
    assert set(first) == set(PERSONAS)
    points = {k.id for k in bq.question.key_points}
    assert first["expert"].answer == bq.question.model_answer
    assert first["expert"].covered == points
    half = first["partial"].covered
    assert 1 <= len(half) <= len(points) // 2 + 1 and half < points
    # Paraphrased, not pasted: no key point appears verbatim.
    assert not any(k.text in first["partial"].answer for k in bq.question.key_points)
    assert first["injection"].answer == f"{first['partial'].answer} {INJECTION}"
    assert first["misconception"].claims and next(iter(first["misconception"].claims)) in \
        first["misconception"].answer
    assert signals.is_gibberish(first["gibberish"].answer)
    assert signals.is_idk(first["idk"].answer)
    assert first["empty"].answer == ""
    assert first["off-topic"].answer != bq.question.model_answer
    off = next(q for q in kb.questions.values()
               if q.question.model_answer == first["off-topic"].answer)
    assert off.track != bq.track
    assert signals.is_keyword_list(first["keyword-salad"].answer)


def test_sample_spreads_over_every_kind_and_notes(kb) -> None:  # type: ignore[no-untyped-def]
    sample = sample_questions(kb, 3)
    kinds = [q.kind for q in sample]
    assert sorted(set(kinds)) == ["behavioral", "coding", "system_design", "technical"]
    assert all(kinds.count(k) == 3 for k in set(kinds))
    assert len({q.note_id for q in sample if q.kind == "technical"}) == 3
    assert [q.id for q in sample_questions(kb, 3)] == [q.id for q in sample]


def test_leak_check_flags_model_answer_runs_the_candidate_did_not_say() -> None:
    model = "The learning rate controls the size of each step taken down the gradient."
    leaky = "Follow-up: what controls the size of each step taken down the slope?"
    # "controls the size of each step taken down the" holds four 6-word runs.
    assert leaked_ngrams(leaky, model, ["What is a learning rate?"]) == [
        "controls the size of each step", "of each step taken down the",
        "size of each step taken down", "the size of each step taken"]
    # Quoting the candidate's own words back is not a leak.
    said = "it controls the size of each step taken down the hill"
    assert leaked_ngrams(leaky, model, [said]) == []
    assert leaked_ngrams("Follow-up: why might training diverge?", model, []) == []


def test_followup_must_target_what_the_answer_lacks() -> None:
    persona = Persona("partial", "...", frozenset({"a"}), frozenset())
    assert judge_followup(FollowUp("missed", "b", "probe"), persona, set()) == (True, "")
    ok, why = judge_followup(FollowUp("missed", "a", "probe"), persona, set())
    assert not ok and "'a'" in why
    ok, why = judge_followup(FollowUp("misconception", "Bias is variance.", "x"), persona, set())
    assert not ok and "does not hold" in why
    assert judge_followup(FollowUp("star", "result", "x"), persona, {"result"})[0]
    assert judge_followup(None, persona, set()) == (True, "")


def test_small_run_on_the_real_engine_reports_every_check(services) -> None:  # type: ignore[no-untyped-def]
    result = evaluate(services, per_kind=1, sessions=1, session_questions=3,
                      personas=("expert", "partial", "idk", "empty", "injection"))
    assert result["questions"] == 4 and result["kinds"] == [
        "behavioral", "coding", "system_design", "technical"]
    assert set(result["checks"]) == set(CHECKS)
    for name in ("order", "injection", "target", "repeat"):
        assert result["checks"][name]["total"] > 0, name
    assert sum(c["failed"] for c in result["checks"].values()) == len(result["failures"])
    means = result["mean_score"]
    assert means["expert"] > means["partial"] > means["idk"] == means["empty"] == 0.0
    assert result["checks"]["injection"]["failed"] == 0
    assert result["checks"]["repeat"]["failed"] == 0
    injected = [o for o in result["outcomes"] if o["persona"] == "injection"]
    assert all("instructions-to-grader" in o["flags"] for o in injected)
    # The sessions went through the real, persisted engine.
    assert len(services.repo.graded_turns()) >= 1


def test_an_llm_can_play_the_candidate(services) -> None:  # type: ignore[no-untyped-def]
    from coach.providers.fake import FakeProvider

    chat = FakeProvider(["I don't know."] * 4)
    services.set("chat", chat)
    result = evaluate(services, per_kind=1, sessions=0, personas=("expert",),
                      candidate=llm_candidate(services.chat))
    llm = [o for o in result["outcomes"] if o["persona"] == "llm"]
    assert len(llm) == 4 and all(o["score"] == 0.0 for o in llm)
    asked = [call.messages[-1].content for call in chat.history]
    assert sorted(asked) == sorted(services.kb.questions[o["question_id"]].question.prompt
                                   for o in llm)
    assert "candidate" in chat.history[0].messages[0].content


@pytest.mark.parametrize("persona", ["rambling", "keyword-salad", "gibberish"])
def test_non_answers_score_below_the_expert(services, persona: str) -> None:  # type: ignore[no-untyped-def]
    from coach.grading.rubric import rubric_for

    bq = _technical_with_misconception(services.kb)
    found = {p.name: p for p in build_personas(services.kb, bq, ["expert", persona])}
    rubric = rubric_for(bq.question)
    assert services.grader.grade(rubric, found[persona].answer).score < \
        services.grader.grade(rubric, found["expert"].answer).score


def test_command_prints_pass_rates_and_keeps_the_users_history_clean(
        tmp_path, coach_home, embedder) -> None:  # type: ignore[no-untyped-def]
    import json

    from typer.testing import CliRunner

    from coach.cli import _register, app

    _register()
    out = tmp_path / "outcomes.jsonl"
    result = CliRunner().invoke(app, ["eval", "interviewer", "--per-kind", "1", "--limit", "1",
                                      "--sessions", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("1 questions (technical)")
    for check in CHECKS:
        assert f"  {check} " in text
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert {r["persona"] for r in rows} <= set(PERSONAS) and len(rows) >= 9
    assert not (coach_home / "data" / "coach.db").exists()  # sessions went to a temp database


def test_parallel_cases_give_the_same_outcomes(services) -> None:  # type: ignore[no-untyped-def]
    serial = evaluate(services, per_kind=1, limit=2, sessions=0)
    parallel = evaluate(services, per_kind=1, limit=2, sessions=0, jobs=2)
    assert parallel["outcomes"] == serial["outcomes"]
    assert parallel["checks"] == serial["checks"]
