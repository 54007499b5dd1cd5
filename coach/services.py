"""One place that wires the coach together, used by the CLI, the TUI and the tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from coach.paths import Paths, knowledge_dir, resolve_paths
from coach.settings import Settings, load_settings

if TYPE_CHECKING:
    from coach.embeddings import Embedder
    from coach.grading.grader import Grader
    from coach.interview.collaborators import Collaborators, OnToken
    from coach.interview.followups import FollowUp
    from coach.interview.records import InterviewRepository
    from coach.knowledge.loader import KnowledgeBase
    from coach.knowledge.models import BankQuestion
    from coach.providers.base import ChatProvider
    from coach.providers.interviewer import Spoken
    from coach.retrieval.index import NoteIndex

_T = TypeVar("_T")


@dataclass
class Services:
    """Lazily built collaborators; nothing heavy loads until it is first used."""

    settings: Settings
    paths: Paths
    _cache: dict[str, Any] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def _get(self, name: str, make: Callable[[], _T]) -> _T:
        with self._lock:
            if name not in self._cache:
                self._cache[name] = make()
            part: _T = self._cache[name]  # what `make` built, or a part `set` swapped in
            return part

    def set(self, name: str, value: Any) -> None:
        """Swap in a collaborator (tests use this for fakes)."""
        self._cache[name] = value

    @property
    def kb(self) -> KnowledgeBase:
        from coach.knowledge.loader import load_knowledge

        def make() -> KnowledgeBase:
            kb = load_knowledge(knowledge_dir())
            if kb.problems:
                import sys

                print(f"warning: {len(kb.problems)} problem(s) in the knowledge base, first: "
                      f"{kb.problems[0]} — run 'coach knowledge check'; broken files are "
                      "skipped", file=sys.stderr)
            return kb

        return self._get("kb", make)

    @property
    def embedder(self) -> Embedder:
        from coach.embeddings import BANK_VECTORS_FILE, BankVectors, VectorStore, shared_embedder

        def make() -> Embedder:
            embedder = shared_embedder()
            # The bank's rubric vectors ship with the knowledge (read on the first grade);
            # other rubric texts (edited or ad-hoc questions) persist next to the index, so
            # each is embedded once per machine instead of on its first grade in every process.
            embedder.attach_bank(BankVectors(knowledge_dir() / BANK_VECTORS_FILE))
            embedder.attach_store(VectorStore(self.paths.data_dir / "vectors.sqlite3"))
            return embedder

        return self._get("embedder", make)

    @property
    def grader(self) -> Grader:
        from coach.grading.bank_vectors import ModelWindows, windows_path
        from coach.grading.grader import Grader
        from coach.grading.relevance import behavioral_rubrics

        # Behavioral stories are compared with the bank's other behavioral questions, taken
        # from the knowledge base these services already load (not a second read of it).
        def make() -> Grader:
            grader = Grader(self.embedder,
                            behavioral_contrast=lambda: behavioral_rubrics(self.kb))
            grader.windows = ModelWindows(windows_path(knowledge_dir()))
            return grader

        return self._get("grader", make)

    @property
    def index(self) -> NoteIndex:
        from coach.embeddings import BankVectors
        from coach.retrieval.index import NoteIndex
        from coach.retrieval.note_vectors import note_vectors_path

        # The notes' chunk vectors ship with the knowledge: building the index embeds only
        # chunks of notes edited since (a fresh install's first build takes seconds).
        return self._get("index", lambda: NoteIndex(
            self.paths.index_dir, self.embedder, self.settings.chroma_url,
            shipped=BankVectors(note_vectors_path(knowledge_dir()))))

    def ready_index(self) -> NoteIndex:
        """The index, built or refreshed on first use in this process."""
        index = self.index
        if not self._cache.get("index_fresh"):
            index.build(self.kb)
            self._cache["index_fresh"] = True
        return index

    @property
    def repo(self) -> InterviewRepository:
        from coach.grading.models import Grade
        from coach.storage.db import Database
        from coach.storage.repo import Repository

        return self._get("repo", lambda: Repository(Database(self.paths.database), grade=Grade))

    @property
    def chat(self) -> ChatProvider | None:
        """The chat provider chosen by settings (None for the offline interviewer)."""
        def make() -> ChatProvider | None:
            if self.settings.provider in ("", "offline"):
                return None
            from coach.providers.registry import provider_from_settings

            return provider_from_settings(self.settings)

        return self._get("chat", make)

    def interview_parts(self) -> Collaborators:
        """An interview's collaborators. The judge and the LLM voice are looked up at each
        grade and line, so a provider changed in Settings applies from the next one on."""
        from coach.interview.collaborators import Collaborators
        from coach.providers.session_hooks import judge_grader
        from coach.storage.drafts import Drafts

        voice = _SessionVoice(self)
        return Collaborators(
            kb=self.kb,
            repo=self.repo,
            drafts=Drafts(self.repo, self.paths.drafts_dir),
            grader=lambda: self.grader,
            judge=lambda: judge_grader(self),
            voice=lambda: None if self.chat is None else voice,
            search=lambda: self.ready_index().search,
        )


class _SessionVoice:
    """The LLM interviewer of the providers' session hooks, as the interview's voice."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def ask(self, q: BankQuestion, template: str, context: str, on_token: OnToken | None,
            cancel: threading.Event) -> Spoken:
        from coach.providers.session_hooks import phrase_question

        return phrase_question(self.services, q, template, context, on_token, cancel)

    def follow_up(self, q: BankQuestion, followup: FollowUp, missed: list[str],
                  last_answer: str, on_token: OnToken | None,
                  cancel: threading.Event) -> Spoken:
        from coach.providers.session_hooks import phrase_followup

        return phrase_followup(self.services, q, followup, missed, last_answer, on_token,
                               cancel)


def build_services(settings: Settings | None = None, paths: Paths | None = None,
                   **overrides: Any) -> Services:
    paths = paths or resolve_paths()
    return Services(settings=settings or load_settings(paths, **overrides), paths=paths)
