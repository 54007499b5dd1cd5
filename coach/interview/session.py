"""The interview session: an explicit state machine, saved to SQLite at every step.

States: asking -> (answer) -> following_up -> (answer) ... -> graded -> next question
        asking -> (skip) -> next question; any -> (end) -> finished.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Literal, cast

from coach.errors import CoachError
from coach.grading.models import Grade
from coach.grading.rubric import rubric_for
from coach.interview.collaborators import Collaborators, Wires
from coach.interview.events import (
    Action,
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
from coach.interview.records import (
    FollowUpRecord,
    InterviewRepository,
    Session,
    Turn,
    TurnState,
)
from coach.knowledge.models import DIFFICULTIES, ROLES, TRACKS, BankQuestion, Role
from coach.prompts import render, template

log = logging.getLogger(__name__)
MAX_ANSWER_CHARS = 100_000


State = TurnState
"""Where the open turn is (the saved record's state); FINISHED is the session's end."""


Mode = Literal["practice", "mock"]
"""practice: feedback after every answer; mock: timed, feedback held back to the end."""


@dataclass
class SessionConfig:
    role: Role = "ml-engineer"
    tracks: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    difficulty: str | None = None
    questions: int = 5
    seed: int | None = None
    mode: Mode = "practice"
    followups: int = 2
    job_description: str = ""
    resume: str = ""  # résumé text; the LLM interviewer may tailor questions to it
    question_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def checked(cls, *, role: str, mode: str, tracks: list[str] | None = None,
                difficulty: str | None = None, **rest: Any) -> SessionConfig:
        """A config from what a user typed or picked, checked once for every front end: a
        bad value is one CoachError naming it and the choices."""
        if role not in ROLES:
            raise CoachError(f"unknown role '{role}' — use one of {', '.join(ROLES)}")
        bad = [t for t in tracks or [] if t not in TRACKS]
        if bad:
            raise CoachError(f"unknown track(s) {bad} — use {', '.join(TRACKS)}")
        if difficulty and difficulty not in DIFFICULTIES:
            raise CoachError(f"unknown difficulty '{difficulty}' — use easy, medium or hard")
        if mode not in ("practice", "mock"):
            raise CoachError(f"unknown mode '{mode}' — use practice or mock")
        return cls(role=cast(Role, role), mode=cast(Mode, mode), tracks=list(tracks or []),
                   difficulty=difficulty or None, **rest)

    @property
    def coaching(self) -> bool:
        """Practice mode: feedback after each question, hints and notes. A mock interview
        allows none of them and keeps every grade for the end."""
        return self.mode != "mock"


@dataclass
class Step:
    """What the interviewer says after an action."""

    say: str = ""
    grade: Grade | None = None
    question: BankQuestion | None = None
    followup: FollowUp | None = None
    finished: bool = False
    graded_turn: Turn | None = None
    streamed: bool = False
    """`say` already reached `Interview.on_token` in full; do not show it again."""
    fallback: str = ""
    """Why `say` is the template although an LLM was asked to phrase it ("cancelled", ...)."""
    again: bool = False
    """`say` is what the interviewer already asked and still waits on (a resumed session)."""


Wiring = Collaborators | Wires
"""What an interview is built from: its collaborators, or the services that wire them."""


def _wired(source: Wiring) -> Collaborators:
    return source if isinstance(source, Collaborators) else source.interview_parts()


class Interview:
    """Drives one session; every submitted answer is committed before anything else runs.

    Clients call `advance` with an action and render the events it returns; `next`, `submit`,
    `skip`, `finish` and `hint` are the single steps it is made of.
    """

    def __init__(self, parts: Wiring, record: Session) -> None:
        self.parts = parts = _wired(parts)
        self.kb = parts.kb
        self.repo = parts.repo
        self.drafts = parts.drafts
        self.record = record
        self.config = SessionConfig(**record.config)
        self.plan = Plan.from_dict(record.plan)
        self.turn: Turn | None = record.turns[-1] if record.turns else None
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
    def start(cls, source: Wiring, config: SessionConfig) -> Interview:
        parts = _wired(source)
        kb = parts.kb
        history = load_history(parts.repo)
        jd_topics: dict[str, float] = {}
        if config.job_description.strip():
            jd_topics = jd_topic_weights(config.job_description, parts.search(), kb)
        plan = make_plan(kb, PlanRequest(
            role=config.role, tracks=config.tracks, kinds=config.kinds,
            difficulty=config.difficulty, count=config.questions, seed=config.seed,
            question_ids=config.question_ids,
        ), history, jd_topics)
        if jd_topics:
            plan.notes.append("Topics weighted by the job description: " + ", ".join(
                f"{t} ({w:.2f})" for t, w in list(jd_topics.items())[:8]))
        session_id = parts.new_id()
        parts.repo.create_session(session_id, config.role, config.mode, config.to_dict(),
                                  plan.to_dict())
        return cls(parts, parts.repo.session(session_id))

    @classmethod
    def resume(cls, source: Wiring, session_id: str = "latest") -> Interview:
        repo = source.repo  # the session is found before anything else is loaded
        if session_id == "latest":
            unfinished = repo.unfinished()
            if not unfinished:
                raise CoachError("no unfinished session to resume — start one with "
                                 "'coach practice'")
            record = unfinished[0]
        else:
            record = repo.session(session_id)
        if record.status != "active":
            raise CoachError(f"session {record.id} is already {record.status} — see "
                             f"'coach report {record.id}'")
        return cls(source, record)

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
        return self.turn.state

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
            return self.turn.followups[-1].text
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

    # -- the client's entry -------------------------------------------------------------------

    def advance(self, action: Action, on_event: Callable[[Event], None] | None = None
                ) -> list[Event]:
        """Carry out one action; the events that follow from it, in order.

        After a question closes (graded or skipped) the next one is asked in the same call,
        so the last event is what the interviewer now waits on: a question, a follow-up, a
        hint (the question stays open) or the end. `on_event` sees each event as soon as it
        happens: a grade reaches it before the next question is worded (and streamed).
        """
        events: list[Event] = []

        def emit(event: Event) -> None:
            events.append(event)
            if on_event is not None:
                on_event(event)

        if isinstance(action, Hint):
            text = self.hint()
            _, q = self._require_turn()
            emit(HintGiven(text=text, question=q, prompt=self.pending_prompt()))
            return events
        if isinstance(action, Open):
            step = self.next()
        elif isinstance(action, Submit):
            if self.turn is not None and self.turn.state == State.ANSWERED:
                step = self.next()  # the saved answer was never graded (it failed): grade it
            else:
                step = self.submit(action.answer)
        elif isinstance(action, Skip):
            step = self.skip()
        elif isinstance(action, TimeUp):
            step = (self.submit(action.answer, final=True) if action.answer.strip()
                    else self.skip())
        elif isinstance(action, End):
            if action.answer.strip():
                for event in self._events(self.submit(action.answer, final=True)):
                    emit(event)
            step = self.finish()
        else:  # pragma: no cover - the Action union is exhaustive
            raise CoachError(f"unknown interview action {action!r}")
        for event in self._events(step):
            emit(event)
        # A closed question is followed by the next one (or the end of the session).
        while not step.finished and step.followup is None and step.graded_turn is not None:
            step = self.next()
            for event in self._events(step):
                emit(event)
        return events

    def _events(self, step: Step) -> list[Event]:
        """What a step means to the candidate."""
        out: list[Event] = []
        q = step.question
        turn = step.graded_turn
        if turn is not None and turn.skipped and step.grade is None and q is not None:
            out.append(Skipped(question=q, turn=turn))
        elif step.grade is not None and turn is not None and q is not None:
            out.append(AnswerGraded(question=q, grade=step.grade, turn=turn,
                                    show_feedback=self.config.coaching))
        if step.finished:
            summary = self.record.summary or {}
            withheld: tuple[tuple[str, Grade], ...] = ()
            if not self.config.coaching:
                withheld = tuple((t.question_id, t.grade)
                                 for t in self.record.turns if t.grade is not None)
            out.append(Finished(session_id=self.id, summary=summary, withheld=withheld))
        elif step.followup is not None and step.grade is not None and q is not None:
            out.append(FollowUpAsked(question=q, followup=step.followup, text=step.say,
                                     grade=step.grade, streamed=step.streamed,
                                     fallback=step.fallback))
        elif q is not None and step.say and turn is None:
            position, total = self.progress()
            out.append(QuestionAsked(question=q, text=step.say, position=position, total=total,
                                     reason=self.reason(q.id), again=step.again,
                                     streamed=step.streamed, fallback=step.fallback))
        return out

    def transcript(self) -> list[Event]:
        """What was said before the prompt the interviewer now waits on, for a client that
        shows a resumed session: each question, answer, follow-up and reply, a skip, and a
        closed question's grade (its `show_feedback` says whether to show it). The open
        prompt itself comes from `advance(Open())`."""
        out: list[Event] = []
        for turn in self.record.turns:
            q = self.kb.questions.get(turn.question_id)
            if q is None:
                continue
            is_open = turn is self.turn and turn.state in (State.ASKING, State.FOLLOWING_UP)
            if not (is_open and turn.state == State.ASKING):
                out.append(Said("interviewer", self.ask_text(q, turn.position)))
            if turn.answer:
                out.append(Said("you", turn.answer))
            for i, f in enumerate(turn.followups):
                if is_open and turn.state == State.FOLLOWING_UP and i == len(turn.followups) - 1:
                    break
                out.append(Said("interviewer", f.text))
                if f.answer:
                    out.append(Said("you", f.answer))
            if turn.skipped:
                out.append(Said("coach", "Skipped."))
            elif turn.grade is not None and not is_open:
                out.append(AnswerGraded(question=q, grade=turn.grade,
                                        turn=turn, show_feedback=self.config.coaching))
        return out

    # -- single steps -----------------------------------------------------------------------

    def next(self) -> Step:
        """Ask the next question (or finish when the session is complete)."""
        if self.state == State.FINISHED:
            return Step(finished=True)
        if self.turn is not None and self.turn.state in (State.ASKING, State.FOLLOWING_UP):
            return Step(say=self.pending_prompt(), question=self.question, again=True)
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
        self.turn = Turn(session_id=self.id, position=position, question_id=qid,
                         state=State.ASKING, track=q.track, topics=list(q.topics),
                         started_at=self.parts.clock(), asked=say)
        self.record.turns.append(self.turn)
        self.repo.save_turn(self.turn)
        self._prewarm(q)
        voice = self.parts.voice()
        if voice is None:
            return Step(say=say, question=q)
        with self._phrasing():
            spoken = voice.ask(q, say, self.config.resume or self.config.job_description,
                               self.on_token, self.cancel)
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
        grader = self.parts.grader()
        rubric = rubric_for(q.question)

        def warm() -> None:
            try:
                grader.warm([rubric])
            except Exception:  # the grade itself reports any real problem to the user
                log.debug("prewarm failed", exc_info=True)

        threading.Thread(target=warm, name="coach-prewarm", daemon=False).start()

    def hint(self) -> str:
        turn, q = self._require_turn()
        if not self.config.coaching:
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
            turn.followups[-1].answer = answer
        turn.state = State.ANSWERED
        self.repo.save_turn(turn)  # the answer is safe before grading starts
        self.drafts.clear(self.id, turn.position)  # so its draft is no longer needed
        return self._after_answer(turn, q, followups=not final)

    def _after_answer(self, turn: Turn, q: BankQuestion, *,
                      followups: bool = True) -> Step:
        grade = self._grade(turn, q)
        turn.grade = grade
        turn.score = grade.score
        asked = {f.target for f in turn.followups}
        followup = None
        if followups and len(turn.followups) < self.config.followups:
            followup = choose_followup(q.question, grade, asked)
        streamed, fallback = False, ""
        voice = self.parts.voice() if followup is not None else None
        if followup is not None and voice is not None:
            last = turn.followups[-1].answer if turn.followups else turn.answer
            with self._phrasing():
                spoken = voice.follow_up(
                    q, followup, [k.text for k in grade.key_points if k.status != "covered"],
                    last or "", self.on_token, self.cancel)
            followup = replace(followup, text=spoken.text)
            streamed = spoken.streamed
            fallback = spoken.reason if spoken.source == "template" else ""
        if followup is not None:
            turn.followups.append(FollowUpRecord(kind=followup.kind, target=followup.target,
                                                 text=followup.text, answer=None))
            turn.state = State.FOLLOWING_UP
            self.repo.save_turn(turn)
            return Step(say=followup.text, grade=grade, question=q, followup=followup,
                        streamed=streamed, fallback=fallback)
        return self._close_turn(turn, q, grade)

    def skip(self) -> Step:
        turn, q = self._require_turn()
        if turn.state == State.FOLLOWING_UP:
            # Skipping a follow-up keeps the grade so far.
            turn.followups[-1].answer = None
            grade = turn.grade if turn.grade is not None else self._grade(turn, q)
            return self._close_turn(turn, q, grade)
        turn.skipped = True
        turn.state = State.GRADED
        turn.score = None
        self.repo.save_turn(turn)
        self._forget_draft(turn.position)
        return Step(say="Skipped.", question=q, graded_turn=turn)

    def finish(self) -> Step:
        from coach.interview.summary import session_summary

        turn, q = self.turn, self.question
        closed = None
        if turn is not None and turn.state == State.ASKING:
            # Ending with a question open: it counts as skipped (nothing was submitted), and
            # what was typed for it is not kept.
            turn.skipped = True
            turn.state = State.GRADED
            self.repo.save_turn(turn)
            self.drafts.clear(self.id, turn.position)
        elif turn is not None and q is not None and turn.state in (State.FOLLOWING_UP,
                                                                    State.ANSWERED):
            # Ending during a follow-up keeps the grade earned so far.
            closed = self._close_turn(turn, q, self._grade(turn, q))
        self.record = self.repo.session(self.id)
        summary = session_summary(self.record, self.kb)
        self.repo.update_session(self.id, status="finished", summary=summary,
                                 finished_at=self.parts.clock())
        self.record = self.repo.session(self.id)
        # The grade of a question closed by ending is returned, to be shown like any other.
        return Step(say="That's the end of the interview.", finished=True,
                    grade=closed.grade if closed else None,
                    graded_turn=closed.graded_turn if closed else None,
                    question=closed.question if closed else None)

    # -- internals --------------------------------------------------------------------------

    def _require_turn(self) -> tuple[Turn, BankQuestion]:
        if self.turn is None or self.question is None or self.state == State.FINISHED:
            raise CoachError("no question is open — start or resume a session")
        return self.turn, self.question

    def _grade(self, turn: Turn, q: BankQuestion) -> Grade:
        followup_answers = [f.answer or "" for f in turn.followups]
        self._code_run_once(turn, q)
        return self.parts.judge().grade(rubric_for(q.question), turn.answer,
                                        followups=followup_answers,
                                        hints_used=turn.hints_used)

    def _code_run_once(self, turn: Turn, q: BankQuestion) -> None:
        """A coding answer's code runs once: a grade saved for the turn carries its result,
        which every later grade of the turn reuses. Before the first run, a grade recording
        a failed run is saved; if the run takes the coach down with it, that failure is
        what a resumed session finds and keeps, instead of running the code again."""
        grader = self.parts.grader()
        if (getattr(q.question, "kind", "") != "coding" or not grader.run_code
                or not turn.answer.strip()):
            return
        saved = turn.grade
        if saved is not None and saved.code is not None:
            grader.reuse_code(q.id, turn.answer, saved.code)
            return
        from coach.grading.models import CodeResult, Flag

        total = len(getattr(q.question, "tests", []))
        stopped = CodeResult(parsed=True, total=total, error=(
            "the code run never finished: the coach stopped while it ran (it crashed or was "
            "killed); it is not run again"))
        turn.grade = Grade(question_id=q.id, kind="coding", score=0.0, level="no credit",
                           code=stopped, flags=[Flag.CODE_FAILED_TO_RUN])
        self.repo.save_turn(turn)

    def _close_turn(self, turn: Turn, q: BankQuestion, grade: Grade) -> Step:
        from coach.interview.review import record_review

        turn.state = State.GRADED
        turn.grade = grade
        turn.score = grade.score
        self.repo.save_turn(turn)
        self._forget_draft(turn.position)
        record_review(self.repo, q.id, grade.score)
        if self.config.difficulty is None:
            self.target = adapt(q.question.difficulty, grade.score)
        return Step(grade=grade, question=q, graded_turn=turn)

    def _forget_draft(self, position: int) -> None:
        """A closed question's draft goes: from the database (a failure there is the
        caller's to report, the turn is saved) and from the draft files."""
        self.repo.clear_draft(self.id, position)
        self.drafts.clear(self.id, position)


def load_history(repo: InterviewRepository) -> History:
    from coach.interview.review import due_questions

    history = History()
    for t in repo.graded_turns():
        for topic in t.topics:
            history.topic_scores.setdefault(topic, []).append(float(t.score or 0))
        history.asked.add(t.question_id)
    history.due = due_questions(repo)
    return history
