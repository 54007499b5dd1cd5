"""Shared fixtures: every test runs with COACH_HOME in a temporary folder.

The suite runs under pytest-xdist (`python3 -m coach.dev test` starts one worker per core):
session-scoped fixtures are built once per worker, every temporary path is the worker's own,
and nothing here may depend on which tests ran before in the same process.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
from collections.abc import Iterator
from fnmatch import fnmatch
from pathlib import Path

import pytest

from coach.paths import resolve_paths
from coach.services import Services, build_services
from coach.settings import load_settings


@pytest.fixture(autouse=True)
def coach_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every path the coach uses at a fresh temporary folder."""
    for key in list(os.environ):
        if key.startswith("COACH_") or key in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
            monkeypatch.delenv(key, raising=False)
    home = tmp_path / "coach-home"
    monkeypatch.setenv("COACH_HOME", str(home))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return home


# Left out of the quick tier (`python3 -m coach.dev test --quick`, which deselects the marks
# slow and integration) besides the tests marked in their own files: real processes, real
# servers or browsers, sandboxed runs that wait for a limit, the whole bank embedded or
# graded, evaluations over full datasets, rendered snapshots. File name -> test names
# (fnmatch patterns, without parameters). A new test that takes more than a few seconds
# gets `@pytest.mark.slow` in its file.
SLOW_TESTS: dict[str, tuple[str, ...]] = {
    "test_knowledge_quality.py": ("*",),  # the whole bank: embedded, graded, references run
    "test_coding_references.py": ("*",),  # every reference solution in the sandbox
    "test_cli.py": ("test_search_cli",),  # builds the worker's index of every note: 65 CPU-s
    "test_sandbox_escapes.py": ("*",),  # each escape against the real isolation layer
    "test_sandbox_kinds.py": ("test_a_torch_solution_runs_within_the_limits",
                              "test_a_run_that_kills_the_coach_*"),
    "test_sandbox.py": ("test_infinite_loop_hits_the_time_limit", "test_memory_cap",
                        "test_no_network"),
    "test_bench.py": ("test_help_probe_*", "test_tui_probe_*", "test_langchain_pipeline_*",
                      # the real verifier re-scores a batch's windows: 6-8 s
                      "test_the_report_splits_batch_grading_*"),
    "test_evals_interviewer.py": ("test_small_run_on_the_real_engine_*",
                                  "test_command_prints_pass_rates_*",
                                  "test_parallel_cases_give_the_same_outcomes",
                                  "test_an_llm_can_play_the_candidate"),  # 9 s
    # each builds or re-reads the bank's vectors or a note index with the real model: 8-12 s
    "test_index.py": ("test_incremental_build_edit_and_delete",),
    "test_bank_vectors.py": ("test_the_shipped_vectors_are_current_*",
                             "test_vectors_built_with_another_model_*",
                             "test_an_edited_text_is_embedded_*",  # a second model: 15 s
                             "test_check_reports_stale_vectors_*",  # 2 builds, 4 checks: 13 s
                             # finds every model window again with the real model: 9 s
                             "test_check_reports_missing_or_broken_model_windows_*"),
    "test_note_vectors.py": ("*",),  # builds and checks chunk vectors with the model: 6-9 s
    "test_tui_screens.py": ("test_notes_filter_read_and_search_by_meaning",),
    "test_evals_retrieval.py": ("test_command_reports_metrics_*",),
    "test_reports.py": ("test_html_report_renders_in_headless_chromium_*",),
    # the job-description test builds the note index of a fresh home (about 50 s)
    "test_session.py": ("test_sigkill_*", "test_job_description_weights_topics"),
    "test_line_mode_llm.py": ("test_ctrl_c_in_a_real_terminal_*",),
    "test_storage_safety.py": ("test_report_and_history_run_while_another_process_writes",),
    "test_robustness_signals.py": ("*",),  # real signals to a real process
    "test_tui_snapshots.py": ("*",),
    "test_tui_startup.py": ("test_home_screen_mounts_without_heavy_imports",),
    "test_tui_first_screen.py": ("test_home_screen_does_not_load_the_engine",),
    # every window of every model answer against every key point: 2-5 s each
    "test_role_swaps.py": ("test_no_window_of_any_model_answer_*",),
    "test_directions.py": ("test_no_window_of_any_model_answer_*",),
    "test_siblings.py": ("test_no_window_of_any_model_answer_*",),
    "test_polarity.py": ("test_no_window_of_any_model_answer_*",),
}


# Tests of an interview's flow (which line comes next, what is saved, what is shown when),
# not of its grades: every Services they use grades with the hashed test embedder
# (tests/hashed_embedder.py) and no verifier, so they load no model. A test that checks a
# grade's quality, or a snapshot that shows a score, must not be listed. File name -> test
# names (fnmatch patterns, without parameters).
FLOW_TESTS: dict[str, tuple[str, ...]] = {
    "test_interview_engine.py": ("*",),
    "test_tui_session.py": ("*",),
    "test_tui_timer.py": ("*",),
    "test_tui_robustness.py": ("*",),
    "test_line_mode_llm.py": ("test_the_llm_question_streams_*", "test_ctrl_c_while_*",
                              "test_ctrl_c_during_*", "test_resume_shows_*",
                              "test_bad_llm_flags_*", "test_provider_flag_fake_*"),
    "test_session.py": ("test_hint_skip_and_end_early", "test_mock_mode_has_no_hints",
                        "test_resume_grades_an_answer_saved_just_before_a_crash",
                        "test_ending_during_a_follow_up_*"),
    "test_tui_screens.py": ("test_interviewer_line_streams_*", "test_escape_stops_*",
                            "test_keys_can_be_rebound_*", "test_command_palette_*",
                            "test_settings_test_connection_*"),
    "test_cli.py": ("test_practice_plain_with_piped_input",),
    "test_flow_wiring.py": ("test_every_services_of_a_flow_test_*",),
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "flow: checks an interview's flow, not its grades "
                                       "(graded with the hashed test embedder; FLOW_TESTS)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        name = getattr(item, "originalname", item.name)
        if any(fnmatch(name, pattern) for pattern in FLOW_TESTS.get(item.path.name, ())):
            item.add_marker(pytest.mark.flow)
        # The tests against a real llama.cpp server share one server per session: under
        # `--dist loadgroup` they all go to the same worker instead of one server per worker.
        if item.get_closest_marker("integration") is not None:
            item.add_marker(pytest.mark.xdist_group("llm-server"))
        if any(fnmatch(name, pattern) for pattern in SLOW_TESTS.get(item.path.name, ())):
            item.add_marker(pytest.mark.slow)
    # Longest first: xdist hands out the remaining tests one by one in this order, so the
    # slow ones start early and the last minute of a run is short tests on both workers
    # instead of one long test on one of them (a stable sort: the order is otherwise kept,
    # the same on every worker).
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(autouse=True)
def _detach_vector_store() -> Iterator[None]:
    """A command run in-process attaches its home's rubric-vector file (and its knowledge
    folder's bank vectors) to the process-wide embedder; after the test the embedder is back
    to the shipped bank's vectors and no home's file, so the next test does not read another
    home's or another knowledge folder's file."""
    yield
    embeddings = sys.modules.get("coach.embeddings")
    shared = getattr(embeddings, "_shared", None)
    if shared is not None:
        shared.attach_store(None)
        shared.attach_bank(_shipped_bank())


@functools.cache
def _shipped_bank():  # type: ignore[no-untyped-def]
    """The rubric vectors shipped with the real knowledge (tests/test_bank_vectors.py checks
    they are current): attached to the shared embedder between tests, as the services attach
    them, so a test grading the real bank reads them instead of embedding every rubric."""
    from coach.embeddings import BANK_VECTORS_FILE, BankVectors
    from coach.paths import knowledge_dir

    return BankVectors(knowledge_dir() / BANK_VECTORS_FILE)


@functools.cache
def _shipped_note_vectors():  # type: ignore[no-untyped-def]
    """The notes' chunk vectors shipped with the real knowledge (checked current by
    `coach knowledge check`): an index of the real notes builds from them, as the services'
    index does, instead of embedding all 897 chunks in each worker."""
    from coach.embeddings import BankVectors
    from coach.paths import knowledge_dir
    from coach.retrieval.note_vectors import note_vectors_path

    return BankVectors(note_vectors_path(knowledge_dir()))


@pytest.fixture(scope="session")
def shipped_note_vectors():  # type: ignore[no-untyped-def]
    return _shipped_note_vectors()


@pytest.fixture(scope="session")
def embedder():  # type: ignore[no-untyped-def]
    from coach.embeddings import shared_embedder

    shared = shared_embedder()
    shared.attach_bank(_shipped_bank())
    # Room for every sentence of the bank's model answers and every rubric text (about 25,000
    # vectors, 40 MB): the tests that grade the model answers and the one that reads them
    # sentence by sentence share one worker and its cache (tests/test_knowledge_quality.py).
    shared._cache_size = max(shared._cache_size, 60_000)
    return shared


@pytest.fixture(scope="session")
def kb():  # type: ignore[no-untyped-def]
    from coach.knowledge.loader import load_knowledge
    from coach.paths import knowledge_dir

    return load_knowledge(knowledge_dir())


@pytest.fixture(scope="session")
def grader(embedder, kb):  # type: ignore[no-untyped-def]
    """The grader as the services wire it: behavioral stories are compared with the bank's,
    and the model-answer words shown beside an unverified point come from the file shipped
    with the knowledge."""
    from coach.grading.bank_vectors import ModelWindows, windows_path
    from coach.grading.grader import Grader
    from coach.grading.relevance import behavioral_rubrics
    from coach.paths import knowledge_dir

    grader = Grader(embedder, behavioral_contrast=lambda: behavioral_rubrics(kb))
    grader.windows = ModelWindows(windows_path(knowledge_dir()))
    return grader


@pytest.fixture(scope="session")
def flow_grader(kb):  # type: ignore[no-untyped-def]
    """The grader of flow tests: the hashed test embedder, no verifier (no model loads)."""
    from hashed_embedder import HashedEmbedder

    from coach.grading.grader import Grader
    from coach.grading.relevance import behavioral_rubrics

    return Grader(HashedEmbedder(), verifier=False,
                  behavioral_contrast=lambda: behavioral_rubrics(kb))


@pytest.fixture(scope="session")
def flow_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The flow tests' index of the notes (hashed vectors: never the real one's folder)."""
    return tmp_path_factory.mktemp("flow-index") / "index"


@pytest.fixture(autouse=True)
def _flow_wiring(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a flow test, a Services not given an embedder or grader (`Services.set`) wires the
    hashed test embedder and the flow grader: line mode and commands run in-process build
    their own services."""
    if request.node.get_closest_marker("flow") is None:
        return
    grader = request.getfixturevalue("flow_grader")
    for name, value in (("embedder", grader.embedder), ("grader", grader)):
        def wired(self: Services, name: str = name, value: object = value) -> object:
            return self._get(name, lambda: value)

        monkeypatch.setattr(Services, name, property(wired))


@pytest.fixture(scope="session")
def shared_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One index of the real notes for the whole run; built on first use, then a no-op."""
    return tmp_path_factory.mktemp("shared-index") / "index"


@pytest.fixture(scope="session")
def built_index_dir(shared_index_dir: Path, embedder, kb) -> Path:  # type: ignore[no-untyped-def]
    """The shared index of the real notes, built (once per worker process)."""
    from coach.retrieval.index import NoteIndex

    NoteIndex(shared_index_dir, embedder, shipped=_shipped_note_vectors()).build(kb)
    return shared_index_dir


@pytest.fixture
def home_with_index(coach_home: Path, built_index_dir: Path) -> Path:
    """COACH_HOME holding a copy of the built index: a command that searches the notes finds
    it up to date instead of embedding every note again in each test."""
    shutil.copytree(built_index_dir, coach_home / "data" / "index")
    return coach_home


@pytest.fixture
def services(request: pytest.FixtureRequest, coach_home: Path, kb) -> Iterator[Services]:  # type: ignore[no-untyped-def]
    """Services on the temporary home, sharing the loaded model, knowledge, grader and index
    (in a flow test: the hashed test embedder, the flow grader and their own index)."""
    from coach.retrieval.index import NoteIndex

    if request.node.get_closest_marker("flow") is not None:
        grader = request.getfixturevalue("flow_grader")
        embedder, index_dir = grader.embedder, request.getfixturevalue("flow_index_dir")
    else:
        embedder, grader = request.getfixturevalue("embedder"), request.getfixturevalue("grader")
        index_dir = request.getfixturevalue("shared_index_dir")
    paths = resolve_paths()
    svc = build_services(load_settings(paths), paths)
    svc.set("embedder", embedder)
    svc.set("kb", kb)
    svc.set("grader", grader)
    svc.set("index", NoteIndex(index_dir, embedder, shipped=_shipped_note_vectors()))
    yield svc
    if "repo" in svc._cache:
        svc.repo.db.close()
