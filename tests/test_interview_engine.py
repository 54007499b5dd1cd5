"""`Interview.advance`: one action in, the events a client shows out (issue 15 §1).

Each test plays a short session through the engine's single entry and checks what the
candidate would see: which line the interviewer says next, whether a grade is shown now or
kept for the end, what a hint or a skip does, and that a draft is forgotten once answered.
"""

from __future__ import annotations

import asyncio
import io
import threading
from dataclasses import replace

from coach.cli.practice import run_line_mode
from coach.interview.collaborators import Collaborators
from coach.interview.events import (
    AnswerGraded,
    End,
    Event,
    Finished,
    FollowUpAsked,
    Hint,
    HintGiven,
    Open,
    QuestionAsked,
    Said,
    Skip,
    Skipped,
    Submit,
    TimeUp,
)
from coach.interview.followups import FollowUp
from coach.interview.session import Interview, SessionConfig, State
from coach.knowledge.models import BankQuestion
from coach.providers.interviewer import Spoken
from coach.services import Services

FIRST, SECOND = "overfitting-underfitting-1", "regularization-1"
WEAK = "I am not completely sure, but I think it has something to do with the data."


def start(services: Services, **config: object) -> Interview:
    settings = {"question_ids": [FIRST, SECOND], "questions": 2, "followups": 1, **config}
    return Interview.start(services, SessionConfig(**settings))  # type: ignore[arg-type]


def kinds(events: list[Event]) -> list[str]:
    return [type(e).__name__ for e in events]


def test_open_asks_the_first_question_as_written(services: Services) -> None:
    iv = start(services)
    events = iv.advance(Open())
    assert kinds(events) == ["QuestionAsked"]
    asked = events[0]
    assert isinstance(asked, QuestionAsked)
    assert asked.question.id == FIRST and (asked.position, asked.total) == (1, 2)
    assert asked.text == Interview.template_text(asked.question, 0) and not asked.again
    assert asked.question.question.prompt in asked.text


def test_a_weak_answer_gets_a_follow_up_then_the_grade_and_the_next_question(
        services: Services) -> None:
    iv = start(services)
    iv.advance(Open())
    events = iv.advance(Submit(WEAK))
    assert kinds(events) == ["FollowUpAsked"]  # no grade shown while the question is open
    follow = events[0]
    assert isinstance(follow, FollowUpAsked) and follow.text and follow.question.id == FIRST
    assert follow.text == follow.followup.text and iv.state == State.FOLLOWING_UP

    events = iv.advance(Submit("No idea, sorry."))
    assert kinds(events) == ["AnswerGraded", "QuestionAsked"]
    graded, asked = events
    assert isinstance(graded, AnswerGraded) and isinstance(asked, QuestionAsked)
    assert graded.show_feedback and graded.question.id == FIRST
    saved = services.repo.session(iv.id).turns[0]
    assert saved.state == "graded" and saved.score == graded.grade.score
    assert saved.followups[0].answer == "No idea, sorry."
    assert asked.question.id == SECOND and asked.position == 2


def test_without_follow_ups_an_answer_is_graded_and_the_last_one_ends_the_session(
        services: Services) -> None:
    iv = start(services, followups=0)
    iv.advance(Open())
    assert kinds(iv.advance(Submit(WEAK))) == ["AnswerGraded", "QuestionAsked"]
    events = iv.advance(Submit(WEAK))
    assert kinds(events) == ["AnswerGraded", "Finished"]
    done = events[-1]
    assert isinstance(done, Finished) and done.session_id == iv.id
    assert done.summary["answered"] == 2 and done.withheld == ()  # practice: shown already
    assert services.repo.session(iv.id).status == "finished"


def test_a_hint_keeps_the_question_open_and_says_what_is_still_asked(
        services: Services) -> None:
    iv = start(services)
    asked = iv.advance(Open())[0]
    assert isinstance(asked, QuestionAsked)
    events = iv.advance(Hint())
    assert kinds(events) == ["HintGiven"]
    hint = events[0]
    assert isinstance(hint, HintGiven)
    assert asked.question.question.hints[0] in hint.text
    assert hint.prompt == asked.text and hint.question.id == FIRST
    assert iv.state == State.ASKING and iv.turn is not None and iv.turn.hints_used == 1


def test_skip_moves_on_and_skipping_a_follow_up_keeps_the_grade(services: Services) -> None:
    iv = start(services, questions=2)
    iv.advance(Open())
    events = iv.advance(Skip())
    assert kinds(events) == ["Skipped", "QuestionAsked"]
    assert isinstance(events[0], Skipped) and events[0].turn.skipped
    assert isinstance(events[1], QuestionAsked) and events[1].question.id == SECOND

    iv.advance(Submit(WEAK))
    assert iv.state == State.FOLLOWING_UP
    events = iv.advance(Skip())
    assert kinds(events) == ["AnswerGraded", "Finished"]
    graded = events[0]
    assert isinstance(graded, AnswerGraded) and graded.show_feedback
    assert not graded.turn.skipped and graded.turn.score == graded.grade.score


def test_end_with_a_question_open_counts_it_as_skipped(services: Services) -> None:
    iv = start(services)
    iv.advance(Open())
    events = iv.advance(End())
    assert kinds(events) == ["Finished"]
    record = services.repo.session(iv.id)
    assert record.status == "finished" and record.turns[0].skipped


def test_end_during_a_follow_up_shows_the_grade_earned_so_far(services: Services) -> None:
    iv = start(services)
    iv.advance(Open())
    iv.advance(Submit(WEAK))
    events = iv.advance(End())
    assert kinds(events) == ["AnswerGraded", "Finished"]
    graded = events[0]
    assert isinstance(graded, AnswerGraded) and graded.show_feedback
    assert graded.turn.followups[0].answer is None and graded.turn.state == "graded"


def test_end_with_an_answer_grades_it_without_a_follow_up(services: Services) -> None:
    iv = start(services, followups=2)
    iv.advance(Open())
    events = iv.advance(End(WEAK))  # the input ended in the middle of this answer
    assert kinds(events) == ["AnswerGraded", "Finished"]
    turn = services.repo.session(iv.id).turns[0]
    assert turn.answer == WEAK and turn.followups == [] and turn.score is not None


def test_time_up_submits_the_answer_as_it_stands_and_a_blank_one_is_a_skip(
        services: Services) -> None:
    iv = start(services, followups=2, mode="mock")
    iv.advance(Open())
    events = iv.advance(TimeUp(WEAK))  # a weak answer, yet no follow-up: time is up
    assert kinds(events) == ["AnswerGraded", "QuestionAsked"]
    assert services.repo.session(iv.id).turns[0].followups == []
    events = iv.advance(TimeUp("   "))
    assert kinds(events) == ["Skipped", "Finished"]


def test_time_up_during_a_follow_up_leaves_it_unanswered_and_keeps_the_grade(
        services: Services) -> None:
    iv = start(services)
    iv.advance(Open())
    iv.advance(Submit(WEAK))
    events = iv.advance(TimeUp(""))
    assert kinds(events) == ["AnswerGraded", "QuestionAsked"]
    assert isinstance(events[0], AnswerGraded) and events[0].turn.followups[0].answer is None


def test_a_mock_interview_hides_feedback_and_hints_and_shows_every_grade_at_the_end(
        services: Services) -> None:
    iv = start(services, mode="mock", followups=0)
    iv.advance(Open())
    hint = iv.advance(Hint())[0]
    assert isinstance(hint, HintGiven) and hint.text == "Hints are off in a mock interview."
    graded = iv.advance(Submit(WEAK))[0]
    assert isinstance(graded, AnswerGraded) and not graded.show_feedback
    events = iv.advance(Submit("Regularization adds a penalty on large weights."))
    assert isinstance(events[0], AnswerGraded) and not events[0].show_feedback
    done = events[-1]
    assert isinstance(done, Finished)
    assert [qid for qid, _ in done.withheld] == [FIRST, SECOND]
    assert done.withheld[0][1].score == graded.grade.score


def test_a_submitted_answer_s_draft_is_forgotten(services: Services) -> None:
    iv = start(services)
    iv.advance(Open())
    assert iv.turn is not None
    position = iv.turn.position
    services.repo.save_draft(iv.id, position, WEAK)
    path = iv.drafts.write_file(iv.id, position, WEAK)
    assert path is not None and iv.drafts.load(iv.id, position) == WEAK
    iv.advance(Submit(WEAK))  # a follow-up comes, at the same position
    assert iv.state == State.FOLLOWING_UP
    assert iv.drafts.load(iv.id, position) == "" and not path.exists()


def test_resume_asks_again_what_it_waits_on_and_grades_an_answer_left_ungraded(
        services: Services) -> None:
    iv = start(services)
    iv.advance(Open())
    iv.advance(Submit(WEAK))
    follow = iv.turn.followups[-1].text  # type: ignore[union-attr]
    again = Interview.resume(services, iv.id).advance(Open())
    assert kinds(again) == ["QuestionAsked"]
    assert isinstance(again[0], QuestionAsked) and again[0].again and again[0].text == follow

    crashed = start(services, followups=0)
    crashed.advance(Open())
    turn = crashed.turn
    assert turn is not None
    turn.answer, turn.state = WEAK, State.ANSWERED  # saved, then the process died
    services.repo.save_turn(turn)
    events = Interview.resume(services, crashed.id).advance(Open())
    assert kinds(events) == ["AnswerGraded", "QuestionAsked"]  # graded, then moves on
    assert isinstance(events[1], QuestionAsked) and events[1].question.id == SECOND


def test_a_resumed_session_s_transcript_is_what_was_said_before_the_open_prompt(
        services: Services) -> None:
    iv = start(services, mode="mock", followups=1)
    first = iv.advance(Open())[0]
    iv.advance(Skip())
    iv.advance(Submit(WEAK))  # the second question: a follow-up is now open
    assert iv.state == State.FOLLOWING_UP
    resumed = Interview.resume(services, iv.id)
    said = resumed.transcript()
    assert isinstance(first, QuestionAsked)
    assert said[:3] == [Said("interviewer", first.text), Said("coach", "Skipped."),
                        Said("interviewer", resumed.ask_text(resumed.question, 1))]  # type: ignore[arg-type]
    assert said[3:] == [Said("you", WEAK)]  # the open follow-up is asked by Open, not here
    again = resumed.advance(Open())[0]
    assert isinstance(again, QuestionAsked) and again.text == resumed.pending_prompt()

    resumed.advance(Submit("No idea."))  # closes the last question: the session ends
    record_iv = Interview(services.interview_parts(), services.repo.session(iv.id))
    graded = [e for e in record_iv.transcript() if isinstance(e, AnswerGraded)]
    assert [e.question.id for e in graded] == [SECOND] and not graded[0].show_feedback


class ScriptedVoice:
    """An LLM interviewer stand-in: words every line its own way and notes what the client
    had already been shown when it was asked to speak."""

    def __init__(self, shown: list[Event]) -> None:
        self.shown = shown
        self.seen_when_asked: list[list[str]] = []

    def ask(self, q: BankQuestion, template: str, context: str,
            on_token: object, cancel: threading.Event) -> Spoken:
        self.seen_when_asked.append(kinds(self.shown))
        return Spoken(f"So, tell me: {q.question.prompt}", "llm", streamed=True)

    def follow_up(self, q: BankQuestion, followup: FollowUp, missed: list[str],
                  last_answer: str, on_token: object, cancel: threading.Event) -> Spoken:
        return Spoken("Could you say more about that?", "llm")


def test_explicit_collaborators_word_lines_and_a_grade_reaches_the_client_first(
        services: Services) -> None:
    shown: list[Event] = []
    voice = ScriptedVoice(shown)
    parts: Collaborators = replace(services.interview_parts(), voice=lambda: voice,
                                   clock=lambda: "2026-01-02T03:04:05+00:00",
                                   new_id=lambda: "fixed-id-1")
    iv = Interview.start(parts, SessionConfig(question_ids=[FIRST, SECOND], questions=2,
                                              followups=1))
    assert iv.id == "fixed-id-1"
    asked = iv.advance(Open(), shown.append)[0]
    assert isinstance(asked, QuestionAsked) and asked.streamed
    assert asked.text.startswith("So, tell me: ")
    follow = iv.advance(Submit(WEAK), shown.append)[0]
    assert isinstance(follow, FollowUpAsked) and follow.text == "Could you say more about that?"
    iv.advance(Submit("No idea."), shown.append)
    # The grade was handed to the client before the next question was worded (and streamed).
    assert voice.seen_when_asked[-1][-1] == "AnswerGraded"
    turns = services.repo.session(iv.id).turns
    assert turns[1].asked.startswith("So, tell me: ")  # a resume shows this wording again
    assert turns[0].started_at == "2026-01-02T03:04:05+00:00"


# -- line mode only renders the events -------------------------------------------------------


def test_line_mode_shows_each_grade_before_the_next_question(services: Services) -> None:
    iv = start(services, followups=0)
    out = io.StringIO()
    # The second answer has no closing '.': the input ends in it, and it is graded too.
    run_line_mode(iv, io.StringIO(f"{WEAK}\n.\n{WEAK}\n"), out)
    text = out.getvalue()
    summary = text.index("— Session summary —")
    assert text[:summary].count("Score: ") == 2
    assert text.index("Score: ") < text.index("[2/2]") < text.rindex("Score: ", 0, summary)
    turns = services.repo.session(iv.id).turns
    assert [t.answer for t in turns] == [WEAK, WEAK] and all(t.score is not None for t in turns)


def test_line_mode_mock_keeps_every_grade_for_the_end(services: Services) -> None:
    iv = start(services, mode="mock", followups=0)
    out = io.StringIO()
    run_line_mode(iv, io.StringIO(f"/hint\n{WEAK}\n.\n{WEAK}\n.\n"), out)
    text = out.getvalue()
    summary = text.index("— Session summary —")
    assert "Interviewer: Hints are off in a mock interview." in text
    assert "Score: " not in text[:summary]
    assert summary < text.index(f"\n{FIRST}:") < text.index(f"\n{SECOND}:")
    assert text[summary:].count("Score: ") == 2


def test_the_tui_resumes_mid_follow_up_with_each_line_shown_once(services: Services) -> None:
    from tui_support import opened

    from coach.tui.app import CoachApp
    from coach.tui.widgets.transcript import Transcript

    iv = start(services, mode="mock")
    first = iv.advance(Open())[0]
    follow = iv.advance(Submit(WEAK))[0]
    assert isinstance(first, QuestionAsked) and isinstance(follow, FollowUpAsked)

    async def resumed() -> list[tuple[str, str]]:
        app = CoachApp(services, resume=iv.id, clock=lambda: 0.0, warm_up=False)
        async with app.run_test(size=(100, 32)) as pilot:
            screen = await opened(pilot, app)
            return [(m.role, m.text) for m in screen.query_one(Transcript).messages()]

    said = asyncio.run(resumed())
    assert said[:2] == [("interviewer", first.text), ("you", WEAK)]
    assert [text for _, text in said].count(follow.text) == 1
    assert said[-1] == ("interviewer", follow.text)
    assert not any(role == "feedback" for role, _ in said)  # a mock interview shows none
