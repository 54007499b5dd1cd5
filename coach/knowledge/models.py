"""Pydantic models for notes and the four question kinds."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

# The bank's words live in coach.knowledge.vocabulary (no pydantic); re-exported here.
from coach.knowledge.vocabulary import DIFFICULTIES as DIFFICULTIES
from coach.knowledge.vocabulary import DIMENSIONS as DIMENSIONS
from coach.knowledge.vocabulary import KINDS as KINDS
from coach.knowledge.vocabulary import ROLES as ROLES
from coach.knowledge.vocabulary import TRACKS as TRACKS
from coach.knowledge.vocabulary import Difficulty as Difficulty
from coach.knowledge.vocabulary import Dimension as Dimension
from coach.knowledge.vocabulary import Kind as Kind
from coach.knowledge.vocabulary import Role as Role
from coach.knowledge.vocabulary import Track as Track

SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NoteMeta(_Strict):
    """Front matter of a topic note."""

    id: str = Field(pattern=SLUG)
    title: str = Field(min_length=3)
    track: Track
    topics: list[str] = Field(min_length=1)
    roles: list[Role] = Field(min_length=1)
    difficulty: Difficulty
    related: list[str] = Field(default_factory=list)


class Note(BaseModel):
    """A topic note: front matter plus Markdown body."""

    model_config = ConfigDict(frozen=True)

    meta: NoteMeta
    body: str
    path: str

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def title(self) -> str:
        return self.meta.title

    @property
    def word_count(self) -> int:
        return len(self.body.split())


class KeyPoint(_Strict):
    """One checkable statement a good answer makes."""

    id: str = Field(pattern=SLUG, max_length=40)
    text: str = Field(min_length=10)
    weight: float = Field(default=1.0, gt=0, le=5)
    probe: str = Field(min_length=10)
    """Follow-up asked when the point is missed; it must not give the answer away."""
    cues: list[str] = Field(default_factory=list)
    """Optional short phrases a covering answer tends to use (synonyms welcome)."""
    dimension: Dimension | None = None
    """System-design questions: which design dimension the point belongs to."""


class Misconception(_Strict):
    """A wrong belief candidates really hold, and its correction."""

    claim: str = Field(min_length=10)
    correction: str = Field(min_length=10)


class StarPart(_Strict):
    """What a complete part of a STAR story looks like, and the probe when it is missing."""

    expect: str = Field(min_length=10)
    probe: str = Field(min_length=10)


class StarRubric(_Strict):
    situation: StarPart
    task: StarPart
    action: StarPart
    result: StarPart


class _QuestionBase(_Strict):
    id: str = Field(pattern=SLUG, max_length=80)
    prompt: str = Field(min_length=15)
    difficulty: Difficulty
    roles: list[Role] = Field(min_length=1)
    topics: list[str] = Field(default_factory=list)
    """Topic slugs; empty means the note's topics."""
    hints: list[str] = Field(default_factory=list, max_length=3)
    model_answer: str = Field(min_length=40)


class TechnicalQuestion(_QuestionBase):
    kind: Literal["technical"] = "technical"
    key_points: list[KeyPoint] = Field(min_length=3, max_length=6)
    misconceptions: list[Misconception] = Field(default_factory=list)


class BehavioralQuestion(_QuestionBase):
    kind: Literal["behavioral"] = "behavioral"
    competencies: list[str] = Field(min_length=1)
    star: StarRubric
    key_points: list[KeyPoint] = Field(default_factory=list, max_length=6)
    misconceptions: list[Misconception] = Field(default_factory=list)
    red_flags: list[str] = Field(default_factory=list, max_length=8)
    """Optional: what sinks an answer (blame, "we" with no "I", no numbers, no reflection)."""
    staff_signals: list[str] = Field(default_factory=list, max_length=6)
    """Optional: what separates a staff-level answer from a senior one."""


class SystemDesignQuestion(_QuestionBase):
    kind: Literal["system_design"] = "system_design"
    key_points: list[KeyPoint] = Field(min_length=5, max_length=12)
    misconceptions: list[Misconception] = Field(default_factory=list)

    @model_validator(mode="after")
    def _dimensions(self) -> SystemDesignQuestion:
        missing = [k.id for k in self.key_points if k.dimension is None]
        if missing:
            raise ValueError(f"key points {missing} need a 'dimension' ({', '.join(DIMENSIONS)})")
        return self


class CodingTest(_Strict):
    """One call of the candidate's function and the value it must return; for SQL, the rows
    inserted before the query runs and the rows it must return."""

    name: str = Field(min_length=3)
    args: list[Any] = Field(default_factory=list)
    """Python: the function's positional arguments."""
    expected: Any
    tolerance: float | None = None
    """Absolute tolerance for floats (applied element-wise to lists and rows)."""
    setup: str = ""
    """SQL: statements run after the question's schema on a fresh database (INSERT ...)."""
    ordered: bool = False
    """SQL: rows must come in the expected order (default: compared as a multiset)."""


class CodingQuestion(_QuestionBase):
    """A Python function to write (`signature`), or one SQL query (`language: sql`) run
    against `schema` plus each test's `setup` rows."""

    model_config = ConfigDict(populate_by_name=True)

    kind: Literal["coding"] = "coding"
    language: Literal["python", "sql"] = "python"
    signature: str | None = Field(default=None, pattern=r"^def [A-Za-z_][A-Za-z0-9_]*\(")
    """Python only (required there)."""
    schema_sql: str = Field(default="", alias="schema")
    """SQL only (required there): the DDL run first on a fresh in-memory SQLite database."""
    reference_solution: str = Field(min_length=20)
    tests: list[CodingTest] = Field(min_length=5)
    key_points: list[KeyPoint] = Field(min_length=2, max_length=6)
    misconceptions: list[Misconception] = Field(default_factory=list)

    @property
    def entry_point(self) -> str:
        """The function the tests call (empty for SQL)."""
        if not self.signature:
            return ""
        return self.signature[4:].split("(", 1)[0].strip()

    @property
    def stub(self) -> str:
        """What the candidate sees with the prompt: the signature, or the SQL tables."""
        if self.language == "sql":
            return f"Tables (SQLite; answer with one SELECT):\n{self.schema_sql.strip()}"
        return f"Signature: {self.signature}"

    @field_validator("reference_solution")
    @classmethod
    def _parses(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("language", "python") == "sql":
            if not re.match(r"^\s*(with|select)\b", value, re.IGNORECASE):
                raise ValueError("a SQL reference_solution must be one SELECT "
                                 "(WITH ... SELECT allowed)")
            return value
        from coach import pysyntax

        try:
            pysyntax.parse(value)
        except SyntaxError as exc:
            raise ValueError(f"does not parse as Python: {exc.msg} (line {exc.lineno})") from None
        return value

    @model_validator(mode="after")
    def _language_fields(self) -> CodingQuestion:
        if self.language == "python":
            if not self.signature:
                raise ValueError("a Python coding question needs a 'signature' (def name(...):)")
            if self.schema_sql:
                raise ValueError("'schema' is for SQL questions (language: sql)")
            return self
        if self.signature:
            raise ValueError("a SQL question has no 'signature'; the answer is one query")
        if not self.schema_sql.strip():
            raise ValueError("a SQL question needs a 'schema' (the CREATE TABLE statements)")
        for test in self.tests:
            if test.args:
                raise ValueError(f"test {test.name!r}: SQL tests take 'setup', not 'args'")
            if not isinstance(test.expected, list) or not all(
                    isinstance(row, list) for row in test.expected):
                raise ValueError(f"test {test.name!r}: 'expected' must be a list of rows, "
                                 "each a list")
        return self


Question = Annotated[
    TechnicalQuestion | BehavioralQuestion | SystemDesignQuestion | CodingQuestion,
    Field(discriminator="kind"),
]


class QuestionBank(_Strict):
    """The questions file beside a note."""

    questions: list[Question] = Field(min_length=1)


class BankQuestion(BaseModel):
    """A question together with where it lives."""

    model_config = ConfigDict(frozen=True)

    question: Question
    note_id: str
    track: Track
    topics: tuple[str, ...]
    path: str
    line: int

    @property
    def id(self) -> str:
        return self.question.id

    @property
    def kind(self) -> str:
        return self.question.kind
