"""The interview side panel: the question's facts, a timer, the rubric and the running score."""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from coach.grading.models import Grade
from coach.knowledge.models import BankQuestion
from coach.reports.grade_view import grade_view
from coach.tui.messages import TimeUp
from coach.tui.text import clock_text

STYLE = {"stated": "green", "partial": "yellow", "unverified": "cyan", "contradicted": "bold red",
         "absent": "red"}


class SidePanel(VerticalScroll):
    """Everything about the open question at a glance."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, id: str = "side") -> None:
        super().__init__(id=id)
        self.clock = clock
        self.started = clock()
        self.limit: float | None = None
        self.overdue = False
        self.border_title = "Question"

    def compose(self) -> ComposeResult:
        yield Static("", id="facts")
        yield Static("", id="timer")
        yield Static("", id="rubric")
        yield Static("", id="score")

    def on_mount(self) -> None:
        self.set_interval(1.0, self.tick)
        self.tick()

    def show_question(self, q: BankQuestion, position: int, total: int, mode: str,
                      limit_seconds: float | None) -> None:
        facts = Text()
        facts.append(f"Question {position}/{total}\n", style="bold")
        facts.append(f"Track: {q.track}\nKind: {q.kind.replace('_', ' ')}\n"
                     f"Difficulty: {q.question.difficulty}\nMode: {mode}")
        self.query_one("#facts", Static).update(facts)
        self.started = self.clock()
        self.limit = limit_seconds
        self.overdue = False
        self.tick()

    def tick(self) -> None:
        elapsed = self.clock() - self.started
        timer = self.query_one("#timer", Static)
        if self.limit is None:
            timer.update(f"Time: {clock_text(elapsed)}")
            return
        left = self.limit - elapsed
        if left <= 0 and not self.overdue:
            self.post_message(TimeUp())  # once per question: the screen submits the draft
        self.overdue = left <= 0
        timer.set_class(self.overdue, "-overdue")
        timer.update(f"Time left: {clock_text(left)}" if left > 0 else "Time is up")

    def show_rubric(self, grade: Grade) -> None:
        text = Text()
        text.append(f"Last graded answer — rubric\n{grade.score:.1f}/5 ({grade.level})\n",
                    style="bold")
        view = grade_view(grade)
        for kp in view.points:
            text.append(f"{kp.mark} ", style=STYLE[kp.verdict])
            text.append(f"{kp.text}\n")
        for hit in view.misconceptions:
            text.append("! ", style="bold red")
            text.append(f"misconception: {hit.claim}\n")
        self.query_one("#rubric", Static).update(text)

    def set_score(self, score: float | None, graded: int) -> None:
        shown = "—" if score is None else f"{score:.1f}/5"
        self.query_one("#score", Static).update(f"Running score: {shown} ({graded} graded)")
