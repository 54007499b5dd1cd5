"""One benchmark run: every figure measured here, now, on this machine.

Nothing is estimated: a figure that cannot be measured is reported as unavailable with the
reason, and its target as n/a rather than PASS.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coach.paths import evals_dir

if TYPE_CHECKING:
    from coach.grading.verifier import Verifier

BATCH_TARGET = 1.5  # batch grading time / embedding floor
GRADE_P95_TARGET_MS = 150.0  # one warm grade of a written (non-coding) answer
BATCH_RATE_TARGET = 20.0  # answers per second, batch grading in steady state
RETRIEVAL_TARGET = 1.0  # our p50 / LangChain p50
TUI_TARGET = 1.0  # seconds to the first screen
PAINT_RATIO_TARGET = 1.5  # first paint in tmux / a bare Textual app's

Step = Callable[[str], None]


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    pos = (len(ordered) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def _latency(samples: Sequence[float]) -> dict[str, Any]:
    return {"n": len(samples), "p50_ms": round(percentile(samples, 0.5) * 1000, 2),
            "p95_ms": round(percentile(samples, 0.95) * 1000, 2)}


def _own_answers() -> list[dict[str, Any]]:
    path = evals_dir() / "datasets" / "interview_answers.jsonl"
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def _queries() -> list[dict[str, Any]]:
    path = evals_dir() / "datasets" / "retrieval_queries.jsonl"
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def run_benchmark(*, answers: int = 280, latency_answers: int = 40, queries: int = 120,
                  runs: int = 3, step: Step | None = None) -> dict[str, Any]:
    """Measure everything in one process (plus subprocesses for --help and the TUI)."""
    from coach.bench import probes

    say = step or (lambda _msg: None)
    started = time.perf_counter()
    result: dict[str, Any] = {
        "created": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count(), "load_average": list(os.getloadavg())},
    }
    with tempfile.TemporaryDirectory(prefix="coach-bench-") as tmp:
        home = Path(tmp)
        env = probes.child_env(home / "child-home")
        say("coach --help")
        result["help"] = probes.help_time(runs, env)
        say("TUI first screen")
        result["tui"] = probes.tui_first_screen(runs, env)
        say("TUI first paint in a terminal (tmux), beside a bare Textual app")
        result["tui_tmux"] = probes.tmux_first_paint(max(runs, 5), env)
        previous = os.environ.get("COACH_HOME")
        os.environ["COACH_HOME"] = str(home / "home")  # a cold index in a temporary folder
        try:
            result.update(_in_process(home, answers, latency_answers, queries, say))
        finally:
            if previous is None:
                os.environ.pop("COACH_HOME", None)
            else:
                os.environ["COACH_HOME"] = previous
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    result["memory"] = {"peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
                        "peak_child_rss_mb": round(children.ru_maxrss / 1024, 1)}
    result["targets"] = targets(result)
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def _in_process(home: Path, n_answers: int, n_latency: int, n_queries: int,
                say: Step) -> dict[str, Any]:
    from coach.grading.rubric import rubric_for
    from coach.services import build_services

    out: dict[str, Any] = {}
    svc = build_services()
    kb = svc.kb
    embedder = svc.embedder
    embedder.load()
    grader = svc.grader

    rows = _own_answers()
    # Disjoint answer sets, so no answer is in the embedder's cache when it is timed; the
    # latency set is every k-th row, so it spans every part of the dataset.
    every = max(2, len(rows) // max(1, n_latency))
    latency_rows = rows[::every][:n_latency]
    picked = {id(r) for r in latency_rows}
    batch_rows = [r for r in rows if id(r) not in picked][:n_answers]
    texts = [r["answer"] for r in batch_rows]

    say(f"batch grading {len(batch_rows)} answers (questions not seen before)")
    embedder.encode_uncached(["warm-up sentence for the model"])
    first_s = _grade_batch(grader, kb, batch_rows)
    # Steady state: the rubric vectors are in the persistent store now (as after any earlier
    # session with these questions), but nothing about any answer is cached in memory (the
    # verifier's scored pairs included: each holds an answer window).
    from coach.grading.text import _words, stem

    embedder.clear_cache()
    if grader.verifier is not None:
        grader.verifier.clear_cache()
    grader.fx.words.clear()
    stem.cache_clear()
    _words.cache_clear()
    say(f"batch grading {len(batch_rows)} answers (rubrics embedded before)")
    batch_s = _grade_batch(grader, kb, batch_rows)
    say("embedding floor")
    start = time.perf_counter()
    embedder.encode_uncached(texts)
    floor_s = time.perf_counter() - start
    out["batch"] = {"answers": len(batch_rows), "grade_seconds": round(batch_s, 3),
                    "answers_per_second": round(len(batch_rows) / batch_s, 1),
                    "embed_floor_seconds": round(floor_s, 3),
                    "ratio": round(batch_s / floor_s, 2),
                    "first_seen_seconds": round(first_s, 3),
                    "first_seen_ratio": round(first_s / floor_s, 2)}
    if grader.verifier is not None:
        say("verifier floor")
        pairs, verify_s = verifier_floor(grader.verifier)
        models_s = floor_s + verify_s
        out["batch"].update({"verifier_pairs": pairs,
                             "verifier_floor_seconds": round(verify_s, 3),
                             "models_ratio": round(batch_s / models_s, 2),
                             "first_seen_models_ratio": round(first_s / models_s, 2)})

    say(f"single-answer latency ({len(latency_rows)} answers)")
    lat_rubrics = [rubric_for(kb.question(r["question_id"]).question) for r in latency_rows]
    grader.warm(lat_rubrics)  # warm: model loaded and rubric texts embedded, answers not
    samples: list[float] = []
    written: list[float] = []  # coding answers also run their tests in the sandbox
    for rubric, r in zip(lat_rubrics, latency_rows, strict=True):
        t = time.perf_counter()
        grader.grade(rubric, r["answer"])
        samples.append(time.perf_counter() - t)
        if rubric.kind != "coding":
            written.append(samples[-1])
    out["grade_latency"] = _latency(samples)
    out["grade_latency_written"] = _latency(written)

    say("index build (cold, then no-op)")
    index = svc.index
    cold = index.build(kb)
    noop = index.build(kb)
    out["index"] = {"cold_seconds": round(cold.seconds, 3), "chunks": cold.embedded_chunks,
                    "notes": cold.embedded_notes, "noop_seconds": round(noop.seconds, 3),
                    "noop_embedded": noop.embedded_notes}
    out["retrieval"] = _retrieval(svc, home, n_queries, say)
    return out


def verifier_floor(verifier: Verifier) -> tuple[int, float]:
    """The pairs the verifier scored since its cache was cleared, and the seconds it takes
    to score them again on their own, in its largest batches: what reading those windows
    costs at the least, whatever the grader around it does."""
    pairs = verifier.scored_pairs()
    verifier.clear_cache()
    start = time.perf_counter()
    verifier.score(pairs)
    return len(pairs), time.perf_counter() - start


def _grade_batch(grader: Any, kb: Any, rows: list[dict[str, Any]]) -> float:
    """Seconds to grade every row, batched the way `coach eval grader` does it."""
    from coach.grading.rubric import rubric_for

    start = time.perf_counter()
    rubrics = {r["question_id"]: rubric_for(kb.question(r["question_id"]).question)
               for r in rows}
    grader.warm_batch([(rubrics[r["question_id"]], r["answer"]) for r in rows])
    for r in rows:
        grader.grade(rubrics[r["question_id"]], r["answer"])
    return time.perf_counter() - start


def _retrieval(svc: Any, home: Path, n_queries: int, say: Step) -> dict[str, Any]:
    from coach.bench.langchain_pipeline import LangChainPipeline, available
    from coach.evals.retrieval_eval import first_relevant, recall_at

    items = list({q["query"]: q for q in _queries()}.values())[:n_queries]
    index = svc.index
    reason = available()
    pipe = None
    out: dict[str, Any] = {}
    if reason:
        out["langchain"] = {"status": "unavailable", "reason": reason}
    else:
        say("LangChain pipeline: build")
        pipe = LangChainPipeline(home / "langchain-chroma")
        out["langchain"] = {"status": "ok", "build_seconds": round(pipe.build(svc.kb), 3)}
        pipe.search("warm-up query about gradient descent", 5)
    index.search("warm-up query about gradient descent", 5)
    say(f"retrieval latency ({len(items)} queries, each embedded once per pipeline)")
    ours: list[float] = []
    theirs: list[float] = []
    ranks: list[int | None] = []
    their_ranks: list[int | None] = []
    # Interleaved, alternating who goes first, so both see the same machine load.
    for i, q in enumerate(items):
        relevant = frozenset(q["relevant_notes"])
        order = ("ours", "theirs") if i % 2 == 0 else ("theirs", "ours")
        for who in order:
            if who == "ours":
                t = time.perf_counter()
                hits = index.search(q["query"], 5)
                ours.append(time.perf_counter() - t)
                ranks.append(first_relevant([h.note_id for h in hits], relevant))
            elif pipe is not None:
                t = time.perf_counter()
                notes = pipe.search(q["query"], 5)
                theirs.append(time.perf_counter() - t)
                their_ranks.append(first_relevant(notes, relevant))
    out["ours"] = {**_latency(ours), "recall@5": round(recall_at(ranks, 5), 4)}
    if pipe is not None:
        out["langchain"].update({**_latency(theirs),
                                 "recall@5": round(recall_at(their_ranks, 5), 4)})
        out["ratio_p50"] = round(statistics.median(ours) / statistics.median(theirs), 3)
        out["ratio_p95"] = round(percentile(ours, 0.95) / percentile(theirs, 0.95), 3)
    return out


def targets(r: dict[str, Any]) -> list[dict[str, Any]]:
    """PASS/FAIL per target; n/a when the figure could not be measured."""
    rows = []
    batch = r.get("batch", {}).get("ratio")
    rows.append({"target": f"batch grading <= {BATCH_TARGET}x the embedding floor",
                 "value": batch, "status": "n/a" if batch is None else
                 ("PASS" if batch <= BATCH_TARGET else "FAIL")})
    rate = r.get("batch", {}).get("answers_per_second")
    rows.append({"target": f"batch grading >= {BATCH_RATE_TARGET:g} answers/s",
                 "value": rate, "status": "n/a" if rate is None else
                 ("PASS" if rate >= BATCH_RATE_TARGET else "FAIL")})
    p95 = r.get("grade_latency_written", {}).get("p95_ms")
    rows.append({"target": f"one warm grade (written answer) p95 <= {GRADE_P95_TARGET_MS:g} ms",
                 "value": p95, "status": "n/a" if p95 is None else
                 ("PASS" if p95 <= GRADE_P95_TARGET_MS else "FAIL")})
    ratio = r.get("retrieval", {}).get("ratio_p50")
    rows.append({"target": "retrieval no slower than plain LangChain (p50 ratio <= 1)",
                 "value": ratio, "status": "n/a" if ratio is None else
                 ("PASS" if ratio <= RETRIEVAL_TARGET else "FAIL")})
    tui = r.get("tui", {})
    value = tui.get("median") if tui.get("status") == "ok" else None
    rows.append({"target": f"TUI first screen within {TUI_TARGET:g} s", "value": value,
                 "status": "n/a" if value is None else
                 ("PASS" if value <= TUI_TARGET else "FAIL")})
    paint = r.get("tui_tmux", {})
    value = paint.get("ratio") if paint.get("status") == "ok" else None
    rows.append({"target": f"TUI first paint in tmux within {PAINT_RATIO_TARGET:g}x a bare "
                           "Textual app", "value": value,
                 "status": "n/a" if value is None else
                 ("PASS" if value <= PAINT_RATIO_TARGET else "FAIL")})
    return rows


def format_report(r: dict[str, Any]) -> str:
    m = r["machine"]
    lines = [f"coach bench — {r['created']} — Python {m['python']}, {m['cpus']} CPUs, load "
             f"average {m['load_average'][0]:.2f} at start", ""]
    h = r["help"]
    lines.append("coach --help            " + (f"{h['median']:.3f} s (median of "
                                                 f"{len(h['runs'])})" if h["status"] == "ok"
                                                 else f"{h['status']}: {h['reason']}"))
    t = r["tui"]
    lines.append("TUI first screen        " + (
        f"{t['median']:.3f} s (median of {len(t['runs'])}, {t['screen']})"
        if t["status"] == "ok" else f"unavailable: {t['reason']}"))
    p = r.get("tui_tmux")
    if p is not None:
        lines.append("TUI first paint (tmux)  " + (
            f"{p['median']:.3f} s, a bare Textual app {p['bare_median']:.3f} s: "
            f"{p['ratio']:.2f}x (medians of {len(p['runs'])})" if p["status"] == "ok"
            else f"unavailable: {p['reason']}"))
    g = r["grade_latency"]
    lines.append(f"grade one answer (warm) p50 {g['p50_ms']:.0f} ms, p95 {g['p95_ms']:.0f} ms "
                 f"({g['n']} answers)")
    if "grade_latency_written" in r:
        w = r["grade_latency_written"]
        lines.append(f"  written answers only  p50 {w['p50_ms']:.0f} ms, p95 {w['p95_ms']:.0f} ms "
                     f"({w['n']} answers; coding answers also run their tests)")
    ours = r["retrieval"]["ours"]
    lines.append(f"retrieval               p50 {ours['p50_ms']:.1f} ms, p95 {ours['p95_ms']:.1f} "
                 f"ms ({ours['n']} queries, recall@5 {ours['recall@5']:.3f})")
    lc = r["retrieval"]["langchain"]
    if lc["status"] == "ok":
        lines.append(f"  plain LangChain       p50 {lc['p50_ms']:.1f} ms, p95 {lc['p95_ms']:.1f} "
                     f"ms (recall@5 {lc['recall@5']:.3f}; build {lc['build_seconds']:.1f} s)")
        lines.append(f"  ours / LangChain      {r['retrieval']['ratio_p50']:.2f}x at p50, "
                     f"{r['retrieval']['ratio_p95']:.2f}x at p95")
    else:
        lines.append(f"  plain LangChain       unavailable: {lc['reason']}")
    ix = r["index"]
    lines.append(f"index build             cold {ix['cold_seconds']:.1f} s ({ix['notes']} notes, "
                 f"{ix['chunks']} chunks), no-op {ix['noop_seconds']:.2f} s")
    b = r["batch"]
    lines.append(f"batch grading           {b['answers']} answers in {b['grade_seconds']:.1f} s "
                 f"({b['answers_per_second']:.1f}/s); embedding them alone "
                 f"{b['embed_floor_seconds']:.1f} s; ratio {b['ratio']:.2f}x")
    if "first_seen_seconds" in b:
        lines.append(f"  questions not seen before: {b['first_seen_seconds']:.1f} s, ratio "
                     f"{b['first_seen_ratio']:.2f}x (their rubrics embedded and stored)")
    if "verifier_floor_seconds" in b:
        lines.append(f"  the models alone: embedding {b['embed_floor_seconds']:.1f} s + the "
                     f"verifier on its {b['verifier_pairs']} windows "
                     f"{b['verifier_floor_seconds']:.1f} s; ratio {b['models_ratio']:.2f}x "
                     f"({b['first_seen_models_ratio']:.2f}x for questions not seen before)")
    mem = r["memory"]
    lines.append(f"peak memory             {mem['peak_rss_mb']:.0f} MB (largest child process "
                 f"{mem['peak_child_rss_mb']:.0f} MB)")
    lines += ["", "Targets:"]
    for row in r["targets"]:
        value = "—" if row["value"] is None else f"{row['value']:g}"
        lines.append(f"  {row['status']:4}  {row['target']} (measured {value})")
    lines.append(f"\n{r['seconds']:.0f} s in all")
    return "\n".join(lines)
