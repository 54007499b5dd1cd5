"""The interview session: an explicit state machine, saved to SQLite at every step.

States: asking -> (answer) -> following_up -> (answer) ... -> graded -> next question
        asking -> (skip) -> next question; any -> (end) -> finished.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from coach.errors import CoachError
from coach.grading.models import Grade
from coach.grading.rubric import rubric_for
from coach.interview.followups import FollowUp, choose_followup
from coach.interview.planner import (
    History,
    Plan,
    PlanRequest,
    adapt,
    jd_topic_weights,
    make_plan,
    next_question,
)
from coach.knowledge.models import BankQuestion
from coach.prompts import render, template
from coach.storage.db import now
from coach.storage.repo import SessionRecord, TurnRecord

if TYPE_CHECKING:
    from coach.services import Services

log = logging.getLogger(__name__)
MAX_ANSWER_CHARS = 100_000


class State(StrEnum):
    ASKING = "asking"
    ANSWERED = "answered"
    FOLLOWING_UP = "following_up"
    GRADED = "graded"
    FINISHED = "finished"


@dataclass
class SessionConfig:
    role: str = "ml-engineer"
    tracks: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    difficulty: str | None = None
    questions: int = 5
    seed: int | None = None
    mode: str = "practice"  # practice | mock
    followups: int = 2
    job_description: str = ""
    resume: str = ""  # résumé text; the LLM interviewer may tailor questions to it
    question_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Step:
    """What the interviewer says after an action."""

    say: str = ""
    grade: Grade | None = None
    question: BankQuestion | None = None
    followup: FollowUp | None = None
    finished: bool = False
    graded_turn: TurnRecord | None = None
    streamed: bool = False
    """`say` already reached `Interview.on_token` in full; do not show it again."""
    fallback: str = ""
    """Why `say` is the template although an LLM was asked to phrase it ("cancelled", ...)."""


class Interview:
    """Drives one session; every submitted answer is committed before anything else runs."""

    def __init__(self, services: Services, record: SessionRecord) -> None:
        self.services = services
        self.kb = services.kb
        self.repo = services.repo
        self.record = record
        self.config = SessionConfig(**record.config)
        self.plan = Plan.from_dict(record.plan)
        self.turn: TurnRecord | None = record.turns[-1] if record.turns else None
        self.target = self.config.difficulty or "medium"
        # With an LLM provider, interviewer lines stream through on_token; set cancel to stop.
        self.on_token: Callable[[str], None] | None = None
        self.cancel = threading.Event()
        self.phrasing = False
        """True while the LLM phrases a line: the moment `cancel` means something."""
        for t in record.turns:
            if t.score is not None and self.config.difficulty is None:
                self.target = adapt(self.kb.questions[t.question_id].question.difficulty
                                    if t.question_id in self.kb.questions else "medium", t.score)

    # -- creation ---------------------------------------------------------------------------

    @classmethod
    def start(cls, services: Services, config: SessionConfig) -> Interview:
        kb = services.kb
        history = load_history(services)
        jd_topics: dict[str, float] = {}
        if config.job_description.strip():
            index = services.ready_index()
            jd_topics = jd_topic_weights(config.job_description, index.search, kb)
        plan = make_plan(kb, PlanRequest(
            role=config.role, tracks=config.tracks, kinds=config.kinds,
            difficulty=config.difficulty, count=config.questions, seed=config.seed,
            question_ids=config.question_ids,
        ), history, jd_topics)
        if jd_topics:
            plan.notes.append("Topics weighted by the job description: " + ", ".join(
                f"{t} ({w:.2f})" for t, w in list(jd_topics.items())[:8]))
        session_id = uuid.uuid4().hex[:12]
        services.repo.create_session(session_id, config.role, config.mode, config.to_dict(),
                                     plan.to_dict())
        return cls(services, services.repo.session(session_id))

    @classmethod
    def resume(cls, services: Services, session_id: str = "latest") -> Interview:
        if session_id == "latest":
            unfinished = services.repo.unfinished()
            if not unfinished:
                raise CoachError("no unfinished session to resume — start one with "
                                 "'coach practice'")
            record = unfinished[0]
        else:
            record = services.repo.session(session_id)
        if record.status != "active":
            raise CoachError(f"session {record.id} is already {record.status} — see "
                             f"'coach report {record.id}'")
        return cls(services, record)

    # -- queries ----------------------------------------------------------------------------

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def state(self) -> State:
        if self.record.status != "active":
            return State.FINISHED
        if self.turn is None:
            return State.GRADED  # nothing asked yet: the next action asks
        return State(self.turn.state)

    @property
    def question(self) -> BankQuestion | None:
        if self.turn is None:
            return None
        return self.kb.questions.get(self.turn.question_id)

    @property
    def asked(self) -> list[str]:
        return [t.question_id for t in self.record.turns]

    def progress(self) -> tuple[int, int]:
        return len(self.record.turns), self.config.questions

    def reason(self, question_id: str) -> str:
        return self.plan.reasons.get(question_id, "")

    def pending_prompt(self) -> str:
        """What the interviewer is waiting on: the question or the last follow-up."""
        if self.turn is None or self.question is None:
            return ""
        if self.turn.state == State.FOLLOWING_UP and self.turn.followups:
            return str(self.turn.followups[-1]["text"])
        return self.ask_text(self.question, len(self.record.turns) - 1)

    def ask_text(self, q: BankQuestion, position: int) -> str:
        """The question as the candidate saw it: the saved wording, else the template."""
        if position < len(self.record.turns):
            turn = self.record.turns[position]
            if turn.question_id == q.id and turn.asked:
                return turn.asked
        return self.template_text(q, position)

    @staticmethod
    def template_text(q: BankQuestion, position: int) -> str:
        """The offline wording of a question."""
        name = "ask_first" if position == 0 else "ask_next"
        return render(name, q.id, prompt=q.question.prompt)

    # -- actions ----------------------------------------------------------------------------

    def next(self) -> Step:
        """Ask the next question (or finish when the session is complete)."""
        if self.state == State.FINISHED:
            return Step(finished=True)
        if self.turn is not None and self.turn.state in (State.ASKING, State.FOLLOWING_UP):
            return Step(say=self.pending_prompt(), question=self.question)
        if self.turn is not None and self.turn.state == State.ANSWERED and self.question:
            # Stopped between saving an answer and grading it (a crash): grade it now.
            return self._after_answer(self.turn, self.question)
        if len(self.record.turns) >= self.config.questions:
            return self.finish()
        qid = next_question(self.kb, self.plan, self.asked,
                            None if self.config.question_ids else self.target)
        if qid is None:
            return self.finish()
        q = self.kb.questions[qid]
        position = len(self.record.turns)
        say = self.template_text(q, position)
        self.turn = TurnRecord(session_id=self.id, position=position, question_id=qid,
                               state=State.ASKING, track=q.track, topics=list(q.topics),
                               started_at=now(), asked=say)
        self.record.turns.append(self.turn)
        self.repo.save_turn(self.turn)
        self._prewarm(q)
        if self.services.chat is None:
            return Step(say=say, question=q)
        from coach.providers.session_hooks import phrase_question

        with self._phrasing():
            spoken = phrase_question(self.services, q, say, self.config.resume
                                     or self.config.job_description, self.on_token,
                                     self.cancel)
        # Saved so that a resumed session shows this wording again, with no new LLM call.
        self.turn.asked = spoken.text
        self.repo.save_turn(self.turn)
        return Step(say=spoken.text, question=q, streamed=spoken.streamed,
                    fallback=spoken.reason if spoken.source == "template" else "")

    @contextmanager
    def _phrasing(self) -> Iterator[None]:
        self.phrasing = True
        try:
            yield
        finally:
            self.phrasing = False

    def _prewarm(self, q: BankQuestion) -> None:
        """Embed the rubric while the candidate reads and types, so grading is quick."""
        import threading

        grader = self.services.grader
        rubric = rubric_for(q.question)

        def warm() -> None:
            try:
                grader.warm([rubric])
            except Exception:  # the grade itself reports any real problem to the user
                log.debug("prewarm failed", exc_info=True)

        threading.Thread(target=warm, name="coach-prewarm", daemon=False).start()

    def hint(self) -> str:
        turn, q = self._require_turn()
        if self.config.mode == "mock":
            return "Hints are off in a mock interview."
        hints = q.question.hints
        if turn.hints_used >= len(hints):
            return template("no_more_hints")
        text = render("hint", q.id + str(turn.hints_used), hint=hints[turn.hints_used])
        turn.hints_used += 1
        self.repo.save_turn(turn)
        return text

    def submit(self, answer: str, *, final: bool = False) -> Step:
        """Record an answer to the question or to the pending follow-up, then grade.

        final: no follow-up comes after this answer (a mock interview's time ran out).
        """
        turn, q = self._require_turn()
        if turn.state not in (State.ASKING, State.FOLLOWING_UP):
            raise CoachError("there is no open question — ask for the next one first")
        if len(answer) > MAX_ANSWER_CHARS:
            answer = answer[:MAX_ANSWER_CHARS]
        if turn.state == State.ASKING:
            turn.answer = answer
        else:
            turn.followups[-1]["answer"] = answer
        turn.state = State.ANSWERED
        self.repo.save_turn(turn)  # the answer is safe before grading starts
        return self._after_answer(turn, q, followups=not final)

    def _after_answer(self, turn: TurnRecord, q: BankQuestion, *,
                      followups: bool = True) -> Step:
        grade = self._grade(turn, q)
        turn.grade = grade.model_dump(mode="json")
        turn.score = grade.score
        asked = {f["target"] for f in turn.followups}
        followup = None
        if followups and len(turn.followups) < self.config.followups:
            followup = choose_followup(q.question, grade, asked)
        streamed, fallback = False, ""
        if followup is not None and self.services.chat is not None:
            from coach.providers.session_hooks import phrase_followup

            last = turn.followups[-1]["answer"] if turn.followups else turn.answer
            with self._phrasing():
                spoken = phrase_followup(
                    self.services, q, followup, [k.text for k in grade.key_points
                                                 if k.status != "covered"], last or "",
                    self.on_token, self.cancel)
            followup = replace(followup, text=spoken.text)
            streamed = spoken.streamed
            fallback = spoken.reason if spoken.source == "template" else ""
        if followup is not None:
            turn.followups.append({"kind": followup.kind, "target": followup.target,
                                   "text": followup.text, "answer": None})
            turn.state = State.FOLLOWING_UP
            self.repo.save_turn(turn)
            return Step(say=followup.text, grade=grade, question=q, followup=followup,
                        streamed=streamed, fallback=fallback)
        return self._close_turn(turn, q, grade)

    def skip(self) -> Step:
        turn, q = self._require_turn()
        if turn.state == State.FOLLOWING_UP:
            # Skipping a follow-up keeps the grade so far.
            turn.followups[-1]["answer"] = None
            grade = Grade.model_validate(turn.grade) if turn.grade else self._grade(turn, q)
            return self._close_turn(turn, q, grade)
        turn.skipped = True
        turn.state = State.GRADED
        turn.score = None
        self.repo.save_turn(turn)
        self.repo.clear_draft(self.id, turn.position)
        return Step(say="Skipped.", question=q, graded_turn=turn)

    def finish(self) -> Step:
        from coach.interview.summary import session_summary

        turn, q = self.turn, self.question
        closed = None
        if turn is not None and turn.state == State.ASKING:
            # Ending with a question open: it counts as skipped (nothing was submitted).
            turn.skipped = True
            turn.state = State.GRADED
            self.repo.save_turn(turn)
        elif turn is not None and q is not None and turn.state in (State.FOLLOWING_UP,
                                                                    State.ANSWERED):
            # Ending during a follow-up keeps the grade earned so far.
            closed = self._close_turn(turn, q, self._grade(turn, q))
        self.record = self.repo.session(self.id)
        summary = session_summary(self.record, self.kb)
        self.repo.update_session(self.id, status="finished", summary=summary,
                                 finished_at=now())
        self.record = self.repo.session(self.id)
        # The grade of a question closed by ending is returned, to be shown like any other.
        return Step(say="That's the end of the interview.", finished=True,
                    grade=closed.grade if closed else None,
                    graded_turn=closed.graded_turn if closed else None)

    # -- internals --------------------------------------------------------------------------

    def _require_turn(self) -> tuple[TurnRecord, BankQuestion]:
        if self.turn is None or self.question is None or self.state == State.FINISHED:
            raise CoachError("no question is open — start or resume a session")
        return self.turn, self.question

    def _grade(self, turn: TurnRecord, q: BankQuestion) -> Grade:
        followup_answers = [f.get("answer") or "" for f in turn.followups]
        from coach.providers.session_hooks import judge_grader

        self._code_run_once(turn, q)
        return judge_grader(self.services).grade(rubric_for(q.question), turn.answer,
                                          followups=followup_answers,
                                          hints_used=turn.hints_used)

    def _code_run_once(self, turn: TurnRecord, q: BankQuestion) -> None:
        """A coding answer's code runs once: a grade saved for the turn carries its result,
        which every later grade of the turn reuses. Before the first run, a grade recording
        a failed run is saved; if the run takes the coach down with it, that failure is
        what a resumed session finds and keeps, instead of running the code again."""
        grader = self.services.grader
        if (getattr(q.question, "kind", "") != "coding" or not grader.run_code
                or not turn.answer.strip()):
            return
        saved = Grade.model_validate(turn.grade) if turn.grade else None
        if saved is not None and saved.code is not None:
            grader.reuse_code(q.id, turn.answer, saved.code)
            return
        from coach.grading.models import CodeResult

        total = len(getattr(q.question, "tests", []))
        stopped = CodeResult(parsed=True, total=total, error=(
            "the code run never finished: the coach stopped while it ran (it crashed or was "
            "killed); it is not run again"))
        turn.grade = Grade(question_id=q.id, kind="coding", score=0.0, level="no credit",
                           code=stopped, flags=["code-failed-to-run"]).model_dump(mode="json")
        self.repo.save_turn(turn)

    def _close_turn(self, turn: TurnRecord, q: BankQuestion, grade: Grade) -> Step:
        from coach.interview.review import record_review

        turn.state = State.GRADED
        turn.grade = grade.model_dump(mode="json")
        turn.score = grade.score
        self.repo.save_turn(turn)
        self.repo.clear_draft(self.id, turn.position)
        record_review(self.repo, q.id, grade.score)
        if self.config.difficulty is None:
            self.target = adapt(q.question.difficulty, grade.score)
        return Step(grade=grade, question=q, graded_turn=turn)


def load_history(services: Services) -> History:
    from coach.interview.review import due_questions

    history = History()
    for t in services.repo.graded_turns():
        for topic in t.topics:
            history.topic_scores.setdefault(topic, []).append(float(t.score or 0))
        history.asked.add(t.question_id)
    history.due = due_questions(services.repo)
    return history
