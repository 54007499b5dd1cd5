"""`coach bench`: the probes, the LangChain pipeline and the target verdicts."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from coach.bench import probes
from coach.bench.runner import format_report, percentile, targets, verifier_floor
from coach.paths import REPO_ROOT
from coach.providers.fake import FakeProvider


def test_percentile_interpolates() -> None:
    assert percentile([3.0, 1.0, 2.0], 0.5) == 2.0
    assert percentile([0.0, 10.0], 0.95) == pytest.approx(9.5)


def _result(**over: Any) -> dict[str, Any]:
    r: dict[str, Any] = {
        "created": "now", "seconds": 10.0,
        "machine": {"python": "3.11", "platform": "linux", "cpus": 2,
                    "load_average": [0.5, 0.5, 0.5]},
        "help": {"status": "ok", "median": 0.4, "runs": [0.4]},
        "tui": {"status": "ok", "median": 0.8, "runs": [0.8], "screen": "HomeScreen"},
        "grade_latency": {"n": 5, "p50_ms": 120.0, "p95_ms": 300.0},
        "grade_latency_written": {"n": 4, "p50_ms": 100.0, "p95_ms": 140.0},
        "tui_tmux": {"status": "ok", "median": 0.9, "bare_median": 0.4, "ratio": 2.25,
                     "runs": [0.9], "bare_runs": [0.4]},
        "retrieval": {"ours": {"n": 5, "p50_ms": 9.0, "p95_ms": 12.0, "recall@5": 0.9},
                      "langchain": {"status": "ok", "p50_ms": 10.0, "p95_ms": 14.0,
                                    "recall@5": 0.9, "build_seconds": 20.0},
                      "ratio_p50": 0.9, "ratio_p95": 0.86},
        "index": {"cold_seconds": 20.0, "chunks": 600, "notes": 93, "noop_seconds": 0.2,
                  "noop_embedded": 0},
        "batch": {"answers": 200, "grade_seconds": 30.0, "answers_per_second": 6.7,
                  "embed_floor_seconds": 10.0, "ratio": 3.0},
        "memory": {"peak_rss_mb": 900.0, "peak_child_rss_mb": 300.0},
    }
    r.update(over)
    r["targets"] = targets(r)
    return r


def test_targets_pass_fail_and_never_invent_a_missing_figure() -> None:
    verdicts = {t["target"]: t["status"] for t in _result()["targets"]}
    assert verdicts == {"batch grading <= 1.5x the embedding floor": "FAIL",
                        "batch grading >= 20 answers/s": "FAIL",
                        "one warm grade (written answer) p95 <= 150 ms": "PASS",
                        "retrieval no slower than plain LangChain (p50 ratio <= 1)": "PASS",
                        "TUI first screen within 1 s": "PASS",
                        "TUI first paint in tmux within 1.5x a bare Textual app": "FAIL"}
    slow = _result(grade_latency_written={"n": 4, "p50_ms": 100.0, "p95_ms": 151.0})
    assert "FAIL  one warm grade (written answer) p95 <= 150 ms (measured 151)" in \
        format_report(slow)
    older = _result()
    del older["grade_latency_written"]  # a report from before the figure existed
    assert {t["target"]: t["status"] for t in targets(older)}[
        "one warm grade (written answer) p95 <= 150 ms"] == "n/a"
    missing = _result(tui={"status": "unavailable", "reason": "cannot import coach.tui.app"})
    tui = next(t for t in missing["targets"] if t["target"].startswith("TUI"))
    assert tui == {"target": "TUI first screen within 1 s", "value": None, "status": "n/a"}
    text = format_report(missing)
    assert "unavailable: cannot import coach.tui.app" in text
    assert "n/a   TUI first screen within 1 s (measured —)" in text
    assert "FAIL  batch grading <= 1.5x the embedding floor (measured 3)" in text
    assert "the models alone" not in text  # a report from before the verifier floor


def test_the_report_splits_batch_grading_into_what_the_models_cost(grader) -> None:  # type: ignore[no-untyped-def]
    """The verifier floor re-scores exactly the windows the batch sent, with nothing cached,
    and the report sets the batch time against both models, not the embedding alone."""
    verifier = grader.verifier
    verifier.clear_cache()
    pairs = [("Variance is how much predictions change with the training sample.",
              "Variance measures how much the fitted model moves between training sets."),
             ("Bias is systematic error from wrong assumptions.",
              "Bias is the spread of the labels.")]
    before = verifier.score(pairs)
    n, seconds = verifier_floor(verifier)
    assert n == 2 and seconds > 0
    assert sorted(verifier.scored_pairs()) == sorted(pairs) and verifier.score(pairs) == before
    batch = {"answers": 200, "grade_seconds": 30.0, "answers_per_second": 6.7,
             "embed_floor_seconds": 10.0, "ratio": 3.0, "first_seen_seconds": 33.0,
             "first_seen_ratio": 3.3, "verifier_pairs": 900, "verifier_floor_seconds": 14.0,
             "models_ratio": 1.25, "first_seen_models_ratio": 1.38}
    text = format_report(_result(batch=batch))
    assert ("the models alone: embedding 10.0 s + the verifier on its 900 windows 14.0 s; "
            "ratio 1.25x (1.38x for questions not seen before)") in text


def test_help_probe_times_a_real_process(tmp_path: Path) -> None:
    got = probes.help_time(1, probes.child_env(tmp_path))
    assert got["status"] == "ok" and 0 < got["median"] < 60


def test_tui_probe_reports_the_first_screen(tmp_path: Path) -> None:
    got = probes.tui_first_screen(1, probes.child_env(tmp_path))
    assert got["status"] == "ok", got
    assert got["screen"].endswith("Screen") and 0 < got["median"] < 60


def test_tui_probe_says_unavailable_when_the_tui_cannot_import(tmp_path: Path) -> None:
    code = ("import sys, runpy; sys.modules['coach.tui.app'] = None; sys.argv = ['p', '0']; "
            "runpy.run_module('coach.bench.tui_probe', run_name='__main__')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=probes.child_env(tmp_path), timeout=120)
    assert proc.stdout.startswith("UNAVAILABLE cannot import coach.tui.app")


def test_langchain_pipeline_retrieves_the_same_notes(tmp_path: Path, kb, embedder) -> None:  # type: ignore[no-untyped-def]
    from coach.bench.langchain_pipeline import LangChainPipeline, available
    from coach.knowledge.loader import load_knowledge

    assert available() == ""
    src = REPO_ROOT / "knowledge"
    small = tmp_path / "knowledge"
    for rel in ("algorithms/knn", "algorithms/decision-trees", "fundamentals/regularization"):
        (small / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src / f"{rel}.md", small / f"{rel}.md")
    shutil.copy(src / "topics.yaml", small / "topics.yaml")
    small_kb = load_knowledge(small)
    pipe = LangChainPipeline(tmp_path / "lc")
    assert pipe.build(small_kb) > 0
    assert pipe.search("how many neighbours should k nearest neighbours use", 2)[0] == "knn"
    assert pipe.search("lasso and ridge penalties", 3)[0] == "regularization"
    assert sorted(pipe.search("anything", 5)) == ["decision-trees", "knn", "regularization"]


def test_tmux_probe_times_coach_beside_a_bare_textual_app(tmp_path: Path) -> None:
    import shutil

    if shutil.which("tmux") is None:
        assert probes.tmux_first_paint(1)["status"] == "unavailable"
        return
    got = probes.tmux_first_paint(1, probes.child_env(tmp_path))
    assert got["status"] == "ok", got
    assert 0 < got["bare_median"] < 60 and 0 < got["median"] < 60
    # The ratio is of the unrounded medians; the medians are reported to 0.1 ms.
    assert abs(got["ratio"] - got["median"] / got["bare_median"]) <= 0.01


class _CapRecorder(FakeProvider):
    """Records the reply limit each request was sent with."""

    def __init__(self, replies: list[Any]) -> None:
        super().__init__(replies)
        self.limits: list[int] = []

    def _next(self, kind: str, messages: Any, schema: str = "") -> str:
        self.limits.append(self.max_tokens)
        return super()._next(kind, messages, schema)


@pytest.mark.flow
def test_llm_bench_caps_every_request_and_says_so(services) -> None:  # type: ignore[no-untyped-def]
    from coach.bench.llm import format_llm, run_llm_bench

    # The raw reply, the interviewer's wording (off the question: the template is used), then
    # a judge verdict that is not JSON: fall-backs the bench names instead of timing them.
    chat = _CapRecorder(["Overfitting is memorising noise.", "Tell me about bias.",
                         "not json", "still not json"])
    services.set("chat", chat)
    result = run_llm_bench(services, turns=1, max_tokens=48)
    assert chat.limits and set(chat.limits) == {48}
    assert result["max_tokens"] == 48 and result["raw_reply"]["n"] == 1
    assert result["judge_turn"]["n"] == 0 and result["interviewer_turn"]["n"] == 0
    assert [f.split(": ", 1)[1] for f in result["fallbacks"]] == [
        "interviewer used the template (off the question)",
        "offline (llm failed: malformed structured output)"]
    assert format_llm(result)[0] == "LLM path (fake, replies up to 48 tokens)"
