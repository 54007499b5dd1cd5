"""Load and validate the knowledge base, reporting every problem with file and line."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from coach.errors import KnowledgeError, NotFoundError
from coach.knowledge.checks import key_point_findings
from coach.knowledge.models import TRACKS, BankQuestion, Note, NoteMeta, QuestionBank

# libyaml's C parser when present: the bank parses in well under a second instead of many.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
QUESTIONS_SUFFIX = ".questions.yaml"


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message} — {self.fix}"


@dataclass
class KnowledgeBase:
    root: Path
    notes: dict[str, Note] = field(default_factory=dict)
    questions: dict[str, BankQuestion] = field(default_factory=dict)
    topics: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def note(self, note_id: str) -> Note:
        try:
            return self.notes[note_id]
        except KeyError:
            raise NotFoundError(
                f"no note '{note_id}' — run 'coach search' or 'coach knowledge stats'"
            ) from None

    def question(self, question_id: str) -> BankQuestion:
        try:
            return self.questions[question_id]
        except KeyError:
            raise NotFoundError(
                f"no question '{question_id}' — list them with 'coach questions list'"
            ) from None


def load_topics(root: Path) -> dict[str, str]:
    """Topic slugs and their descriptions from knowledge/topics.yaml."""
    path = root / "topics.yaml"
    if not path.exists():
        raise KnowledgeError(f"{path}: missing — restore the topic list from version control")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in (data.get("topics") or {}).items()}


def _line_of(node: yaml.Node | None, loc: Iterable[Any]) -> int:
    """The 1-based line of the YAML node at a pydantic error location (deepest that exists)."""
    if node is None:
        return 1
    best = node.start_mark.line + 1
    for part in loc:
        nxt: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            for key, value in node.value:
                if key.value == part:
                    nxt = value
                    best = key.start_mark.line + 1
                    break
        elif (isinstance(node, yaml.SequenceNode) and isinstance(part, int)
              and 0 <= part < len(node.value)):
            nxt = node.value[part]
        if nxt is None:
            if part in {"technical", "behavioral", "system_design", "coding"}:
                continue  # pydantic puts the union tag in the location
            break
        node = nxt
        best = node.start_mark.line + 1
    return best


def _fix_for(err: dict[str, Any]) -> str:
    kind = err["type"]
    field_name = str(err["loc"][-1]) if err["loc"] else "field"
    if kind == "missing":
        return f"add '{field_name}'"
    if kind == "extra_forbidden":
        return f"remove '{field_name}' or check its spelling"
    if kind == "literal_error":
        return f"use one of the allowed values for '{field_name}'"
    if kind in {"too_short", "string_too_short"}:
        return f"write more in '{field_name}'"
    if kind in {"too_long", "string_too_long"}:
        return f"shorten '{field_name}'"
    if kind == "string_pattern_mismatch":
        return "use a lowercase slug like 'my-topic-1'"
    if kind == "union_tag_invalid":
        return "set kind to technical, behavioral, system_design or coding"
    return f"correct '{field_name}'"


def _validate(
    model: type[BaseModel], data: Any, node: yaml.Node | None, file: str, offset: int,
    problems: list[Problem],
) -> BaseModel | None:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = [p for p in err["loc"]]
            where = ".".join(str(p) for p in loc) or "(top level)"
            line = _line_of(node, loc) + offset
            msg = err["msg"].removeprefix("Value error, ")
            problems.append(Problem(file, line, f"{where}: {msg}", _fix_for(dict(err))))
        return None


def _parse_yaml(text: str, file: str, offset: int, problems: list[Problem]) -> tuple[Any, Any]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = (mark.line + 1 if mark else 1) + offset
        problems.append(Problem(file, line, f"YAML does not parse: {getattr(exc, 'problem', exc)}",
                                "fix the indentation or quoting near this line"))
        return None, None
    finally:
        loader.dispose()
    return node, data


def _load_note(path: Path, rel: str, problems: list[Problem]) -> Note | None:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(rel, 1, "not UTF-8 text", "save the file as UTF-8"))
        return None
    match = FRONT_MATTER.match(text)
    if not match:
        problems.append(Problem(rel, 1, "no YAML front matter",
                                "start the file with '---', the fields, and '---'"))
        return None
    node, data = _parse_yaml(match.group(1), rel, 1, problems)
    if node is None and data is None:
        return None
    if not isinstance(data, dict):
        problems.append(Problem(rel, 2, "front matter is not a mapping",
                                "write 'key: value' lines between the '---' markers"))
        return None
    meta = _validate(NoteMeta, data, node, rel, 1, problems)
    if meta is None:
        return None
    body = text[match.end():].strip()
    assert isinstance(meta, NoteMeta)
    return Note(meta=meta, body=body, path=rel)


def load_knowledge(root: Path, *, strict: bool = False) -> KnowledgeBase:
    """Load every note and bank under root; problems are collected, not raised.

    With strict=True a KnowledgeError names the first problem (for commands that cannot
    run on a broken base).
    """
    if not root.is_dir():
        raise KnowledgeError(f"{root}: knowledge folder not found — set COACH_KNOWLEDGE_DIR")
    kb = KnowledgeBase(root=root)
    problems = kb.problems
    try:
        kb.topics = load_topics(root)
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{root / 'topics.yaml'}: does not parse ({exc})") from None
    question_lines: dict[str, str] = {}
    for path in sorted(root.glob("*/*.md")):
        rel = str(path.relative_to(root.parent)) if root.parent in path.parents else str(path)
        note = _load_note(path, rel, problems)
        if note is None:
            continue
        track_dir = path.parent.name
        if track_dir not in TRACKS:
            problems.append(Problem(rel, 1, f"folder '{track_dir}' is not a track",
                                    f"move the note under one of: {', '.join(TRACKS)}"))
        if note.meta.track != track_dir:
            problems.append(Problem(rel, 1, f"track '{note.meta.track}' but the note is in "
                                    f"'{track_dir}/'", "make the folder and the track agree"))
        if note.meta.id != path.stem:
            problems.append(Problem(rel, 1, f"id '{note.meta.id}' differs from the file name",
                                    f"rename the file to {note.meta.id}.md or change the id"))
        if note.meta.id in kb.notes:
            problems.append(Problem(rel, 1, f"duplicate note id '{note.meta.id}'",
                                    f"it is also used by {kb.notes[note.meta.id].path}"))
            continue
        for topic in note.meta.topics:
            if topic not in kb.topics:
                problems.append(Problem(rel, 1, f"unknown topic '{topic}'",
                                        "use a slug from knowledge/topics.yaml"))
        if not note.body:
            problems.append(Problem(rel, 1, "the note has no body", "write the note below the "
                                    "front matter"))
        kb.notes[note.meta.id] = note
        qpath = path.with_name(path.stem + QUESTIONS_SUFFIX)
        if qpath.exists():
            _load_bank(qpath, note, root, kb, question_lines)
    for note in kb.notes.values():
        for rel_id in note.meta.related:
            if rel_id not in kb.notes:
                problems.append(Problem(note.path, 1, f"related note '{rel_id}' does not exist",
                                        "fix the id or remove it from 'related'"))
    for qpath in sorted(root.glob(f"*/*{QUESTIONS_SUFFIX}")):
        stem = qpath.name.removesuffix(QUESTIONS_SUFFIX)
        if not qpath.with_name(stem + ".md").exists():
            problems.append(Problem(str(qpath.relative_to(root.parent)), 1,
                                    "question bank without a note",
                                    f"add {stem}.md beside it or rename the bank"))
    if strict and problems:
        raise KnowledgeError(f"{problems[0]} (and {len(problems) - 1} more; run "
                             "'coach knowledge check')" if len(problems) > 1 else
                             str(problems[0]))
    return kb


def _load_bank(qpath: Path, note: Note, root: Path, kb: KnowledgeBase,
               question_lines: dict[str, str]) -> None:
    rel = str(qpath.relative_to(root.parent))
    problems = kb.problems
    try:
        text = qpath.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(rel, 1, "not UTF-8 text", "save the file as UTF-8"))
        return
    node, data = _parse_yaml(text, rel, 0, problems)
    if data is None:
        if node is None:
            return
        problems.append(Problem(rel, 1, "empty question bank", "add 'questions:' with a list"))
        return
    bank = _validate(QuestionBank, data, node, rel, 0, problems)
    if bank is None:
        return
    assert isinstance(bank, QuestionBank)
    for index, question in enumerate(bank.questions):
        line = _line_of(node, ["questions", index])
        where = f"{rel}:{line}"
        if question.id in question_lines:
            problems.append(Problem(rel, line, f"duplicate question id '{question.id}'",
                                    f"it is also used at {question_lines[question.id]}"))
            continue
        question_lines[question.id] = where
        for topic in question.topics:
            if topic not in kb.topics:
                problems.append(Problem(rel, line, f"unknown topic '{topic}'",
                                        "use a slug from knowledge/topics.yaml"))
        ids = [k.id for k in question.key_points]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            problems.append(Problem(rel, line, f"repeated key point ids {sorted(dupes)}",
                                    "give every key point of a question its own id"))
        if question.kind == "coding" and len(set(t.name for t in question.tests)) != len(
            question.tests
        ):
            problems.append(Problem(rel, line, "two tests share a name", "name each test"))
        for k, point in enumerate(question.key_points):
            for loc, message, fix in key_point_findings(point):
                path = ["questions", index, "key_points", k, *loc]
                problems.append(Problem(rel, _line_of(node, path),
                                        f"{question.id}/{point.id}: {message}", fix))
        kb.questions[question.id] = BankQuestion(
            question=question,
            note_id=note.id,
            track=note.meta.track,
            topics=tuple(question.topics or note.meta.topics),
            path=rel,
            line=line,
        )
