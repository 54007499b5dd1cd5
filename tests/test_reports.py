"""Reports: Markdown, HTML and JSON from a real graded session (real grader, real SQLite)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from coach.paths import Paths
from coach.services import Services, build_services
from coach.settings import load_settings

TECH = "bias-variance-tradeoff-1"
CODE = "code-confusion-matrix-1"
STORY = "behavioral-ambiguity-1"
TECH_ANSWER = (
    "Bias means the model is unfair to some group of people, for example it treats women worse "
    "than men. Variance is how much the predictions change when the model is trained on a "
    "different sample of data.")
TECH_FOLLOWUP = ("Raising model capacity lowers bias but increases variance, so the test error "
                 "is lowest at some intermediate complexity.")
# Misses the "labels outside the list are skipped" case on purpose: a KeyError.
CODE_ANSWER = """def confusion_matrix(y_true, y_pred, labels):
    # rows <b>not bold</b> & columns
    index = {lab: i for i, lab in enumerate(labels)}
    k = len(labels)
    m = [[0] * k for _ in range(k)]
    for t, p in zip(y_true, y_pred):
        m[index[t]][index[p]] += 1
    return m
"""
STORY_ANSWER = (
    "At a telecom the head of customer operations asked us to use machine learning to reduce "
    "complaints, with no target and no metric. My task was to turn that into a project we "
    "could deliver in a quarter. I interviewed five team leads, pulled three months of "
    "tickets and I proposed predicting repeat complaints within 30 days as the target. I "
    "built a baseline and agreed the metric with the business. As a result repeat complaints "
    "fell by 18% in the pilot. I learned to write the problem statement down first and get "
    "it signed off before modelling.")
FOLLOWUP_ANSWER = "I would check it against a held-out month and report the gap to the team."


def run_session(svc: Services, answers: dict[str, str], *, followups: int = 1) -> str:
    """Drive a real interview over the given questions; returns the session id."""
    from coach.interview.session import Interview, SessionConfig

    iv = Interview.start(svc, SessionConfig(question_ids=list(answers), questions=len(answers),
                                            followups=followups, seed=3))
    step = iv.next()
    while not step.finished:
        assert step.question is not None
        text = answers[step.question.id] if step.followup is None else (
            TECH_FOLLOWUP if step.question.id == TECH else FOLLOWUP_ANSWER)
        step = iv.submit(text)
        if step.followup is None:
            step = iv.next()
    return iv.id


def _home_services(home: Path, embedder: Any, kb: Any, grader: Any) -> Services:
    paths = Paths(config_file=home / "config.toml", data_dir=home / "data")
    svc = build_services(load_settings(paths), paths)
    svc.set("embedder", embedder)
    svc.set("kb", kb)
    svc.set("grader", grader)
    return svc


@pytest.fixture(scope="module")
def graded_export(tmp_path_factory: pytest.TempPathFactory, embedder, kb, grader
                  ) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """One real three-question session, graded once per module, as an export."""
    from coach.history.transfer import export_history

    svc = _home_services(tmp_path_factory.mktemp("graded"), embedder, kb, grader)
    run_session(svc, {TECH: TECH_ANSWER, CODE: CODE_ANSWER, STORY: STORY_ANSWER})
    data = export_history(svc.repo)
    svc.repo.db.close()
    return data


@pytest.fixture
def loaded(services: Services, graded_export: dict[str, Any], tmp_path: Path) -> Services:
    """The function's services with the graded session imported into its own database."""
    from coach.history.transfer import import_history, read_export

    path = tmp_path / "history.json"
    path.write_text(json.dumps(graded_export), encoding="utf-8")
    import_history(services.repo, read_export(path))
    return services


def build(svc: Services, link_base: Path | None = None):  # type: ignore[no-untyped-def]
    from coach.reports.build import build_report, review_due_map

    return build_report(svc.repo.session("latest"), svc.kb,
                        review_due=review_due_map(svc.repo.review_states()),
                        link_base=link_base)


def cli(svc: Services, monkeypatch: pytest.MonkeyPatch, *args: str,
        stdin: str | None = None) -> Any:
    from coach.cli import _register, app, report_cmds

    _register()
    monkeypatch.setattr(report_cmds, "_services", lambda: svc)
    return CliRunner().invoke(app, list(args), input=stdin)


def test_markdown_report_holds_every_part_of_the_feedback(loaded: Services) -> None:
    from coach.reports import render

    report = build(loaded)
    md = render(report, "md")
    by_id = {q.question_id: q for q in report.questions}
    assert report.overall.score is not None and f"{report.overall.score:.1f}/5" in md
    for qid in (TECH, CODE, STORY):
        q = by_id[qid]
        assert " ".join(q.prompt.split()) in md
        assert f"### {q.position}. {qid} — {q.score:.1f}/5 ({q.level})" in md
        assert q.model_answer.split("\n")[0][:40] in md
        assert q.study and f"]({q.study[0].href})" in md
    # the answer, the follow-up and its answer, quoted
    assert "> Bias means the model is unfair" in md
    tech = by_id[TECH]
    assert tech.followups and tech.followups[0].text in md and f"> {TECH_FOLLOWUP}" in md
    # every key point appears with its verdict; the evidence is the candidate's own words
    for kp in tech.key_points:
        assert kp.text in md
        if kp.evidence is not None:
            source = TECH_ANSWER if kp.evidence.source == "answer" else TECH_FOLLOWUP
            assert " ".join(kp.evidence.text.split()) in " ".join(source.split())
    assert any(k.verdict == "absent" for q in report.questions for k in q.key_points)
    assert "· **missed**" in md  # a point not stated; "✗ **wrong**" is kept for contradictions
    # the misconception with its correction
    assert tech.misconceptions, "the fairness claim should be caught"
    assert f"Correction: {tech.misconceptions[0].correction}" in md
    # coding: which tests passed
    code = by_id[CODE].code
    assert code is not None and code.total == 6 and 0 < code.passed < code.total
    assert f"**Tests:** {code.passed}/{code.total} passed" in md
    assert "✗ labels outside the list are skipped" in md
    # behavioral: the STAR breakdown
    star = by_id[STORY].star
    assert star is not None
    for part in star.parts:
        assert f"| {part.part} | {'no' if not part.present else 'yes'}" in md
    assert "measured result: **yes**" in md
    # summary parts
    for t in report.topics:
        assert f"| {t.topic} | {t.questions} | {t.score:.1f} | {t.level} |" in md
    assert "**Strengths:**" in md and "**To work on:**" in md
    steps = md.split("## Next steps", 1)[1].split("## Questions", 1)[0]
    assert re.search(r"^1\. ", steps, re.M)
    assert any(s.kind == "fix-code" and s.question_id == CODE for s in report.next_steps)
    assert any(s.kind == "unlearn" for s in report.next_steps)


def test_json_report_is_versioned_and_documented(loaded: Services) -> None:
    from coach.reports import render
    from coach.reports.model import Report

    data = json.loads(render(build(loaded), "json"))
    assert data["schema"] == "coach.report/1"
    assert json.loads(Report.model_validate(data).to_json()) == data
    doc = (Path(__file__).resolve().parent.parent / "docs" / "report-schema.md").read_text()
    # Every field the JSON carries is documented.
    fields = set(data) | set(data["session"]) | set(data["overall"])
    fields |= {k for q in data["questions"] for k in q}
    fields |= {k for q in data["questions"] for kp in q["key_points"] for k in kp}
    missing = sorted(f for f in fields if f"`{f}`" not in doc)
    assert not missing, f"undocumented report fields: {missing}"


def test_html_is_self_contained_printable_and_escapes_answers(loaded: Services) -> None:
    from coach.reports import render

    html = render(build(loaded), "html")
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html.lower()
    assert not re.search(r"https?://", html), "nothing may point at the network"
    assert not re.search(r"\s(src|srcset)=", html)
    assert "@media print" in html and html.count("<svg") >= 3
    assert "&lt;b&gt;not bold&lt;/b&gt; &amp; columns" in html
    assert "<b>not bold</b>" not in html
    for section in ("overall", "summary", "topics", "strengths", "next-steps", "questions"):
        assert f'id="{section}"' in html


def test_report_command_writes_files_with_working_note_links(
        loaded: Services, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    out = tmp_path / "kept" / "report.md"
    result = cli(loaded, monkeypatch, "report", "latest", "--format", "md", "-o", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    links = re.findall(r"\]\((\.\./[^)]+\.md)\)", text)
    assert links and all((out.parent / link).resolve().is_file() for link in links)
    # HTML without -o goes to the reports folder and says where
    result = cli(loaded, monkeypatch, "report", "latest", "--format", "html")
    assert result.exit_code == 0, result.output
    written = list(loaded.paths.reports_dir.glob("session-*.html"))
    assert len(written) == 1 and str(written[0]) in result.output
    # JSON to standard output
    session_id = loaded.repo.session("latest").id
    result = cli(loaded, monkeypatch, "report", session_id[:6], "--format", "json")
    assert json.loads(result.output)["session"]["id"] == session_id


def test_report_command_errors_are_one_clear_line(services: Services,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from coach.errors import CoachError

    result = cli(services, monkeypatch, "report", "latest", "--format", "pdf")
    assert isinstance(result.exception, CoachError)
    assert "use md, html or json" in str(result.exception)
    result = cli(services, monkeypatch, "report", "nosuchsession")
    assert isinstance(result.exception, CoachError)
    assert "coach history" in str(result.exception)


def test_unfinished_session_with_skips_and_removed_questions(services: Services) -> None:
    from coach.interview.records import Turn
    from coach.reports import render

    repo = services.repo
    repo.create_session("s1", "ml-engineer", "practice", {"questions": 4}, {})
    repo.save_turn(Turn(session_id="s1", position=0, question_id=TECH, state="graded",
                        skipped=True))
    repo.save_turn(Turn(session_id="s1", position=1, question_id="question-that-was-deleted",
                        state="graded", answer="x",
                        grade={"question_id": "question-that-was-deleted",
                               "kind": "technical", "score": 4.2, "level": "strong"},
                        score=4.2, topics=["old-topic"]))
    repo.save_turn(Turn(session_id="s1", position=2, question_id=STORY, state="asking"))
    report = build(services)
    assert [q.status for q in report.questions] == ["skipped", "graded", "unanswered"]
    assert report.session.skipped == 1 and report.session.answered == 1
    md = render(report, "md")
    assert "### 1. bias-variance-tradeoff-1 — skipped" in md
    assert "no longer in the knowledge base" in md
    assert "### 3. behavioral-ambiguity-1 — unanswered" in md
    assert render(report, "html").count('class="question"') == 3


def test_html_report_renders_in_headless_chromium_without_network(
        loaded: Services, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import base64

    from cdp_pipe import Browser, find_chromium

    binary = find_chromium()
    if binary is None:
        pytest.skip("chromium is not installed (apt-get install chromium); .ci/run installs it")
    out = tmp_path / "report.html"
    result = cli(loaded, monkeypatch, "report", "latest", "--format", "html", "-o", str(out))
    assert result.exit_code == 0, result.output
    url = out.resolve().as_uri()
    browser = Browser(binary, tmp_path / "profile")
    try:
        target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        sid = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"]
        for domain in ("Network", "Page", "Runtime", "Log"):
            browser.call(f"{domain}.enable", session=sid)
        browser.call("Page.navigate", {"url": url}, session=sid)
        browser.wait_event("Page.loadEventFired")
        seen = browser.call("Runtime.evaluate", {"returnByValue": True, "expression": """
            JSON.stringify({
              h2: [...document.querySelectorAll('h2')].map(e => e.textContent),
              questions: document.querySelectorAll('article.question').length,
              charts: [...document.querySelectorAll('svg.chart')].map(
                  e => e.getBoundingClientRect().width),
              points: document.querySelectorAll('ul.points li').length,
              overall: document.querySelector('#overall .big').textContent,
              tocShown: getComputedStyle(document.querySelector('nav.toc')).display,
            })"""}, session=sid)
        page = json.loads(seen["result"]["value"])
        browser.call("Emulation.setEmulatedMedia", {"media": "print"}, session=sid)
        printed = browser.call("Runtime.evaluate", {"returnByValue": True, "expression":
                               "getComputedStyle(document.querySelector('nav.toc')).display"},
                               session=sid)["result"]["value"]
        pdf = base64.b64decode(browser.call("Page.printToPDF", {}, session=sid)["data"])
    finally:
        browser.close()
    report = build(loaded)
    assert page["h2"] == ["Score per question", "By topic", "Strengths and weaknesses",
                          "Next steps", "Questions"]
    assert page["questions"] == len(report.questions) == 3
    assert len(page["charts"]) == 2 and all(w > 100 for w in page["charts"])
    assert page["points"] == sum(len(q.key_points) for q in report.questions)
    assert page["overall"].startswith(f"{report.overall.score:.1f}")
    assert page["tocShown"] != "none" and printed == "none", "print CSS hides the navigation"
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000, "the report prints"
    requests = [e["params"]["request"]["url"] for e in browser.events
                if e.get("method") == "Network.requestWillBeSent"]
    assert url in requests, "the request monitor saw the page itself"
    assert [u for u in requests if u != url] == [], f"the report fetched {requests}"
    refused = [e for e in browser.events if e.get("method") == "Log.entryAdded"
               and "Refused" in e["params"]["entry"].get("text", "")]
    assert refused == []


def test_reports_and_history_stay_light_to_import() -> None:
    import subprocess
    import sys

    modules = ["coach.reports.build", "coach.reports.html", "coach.reports.markdown",
               "coach.reports.terminal", "coach.history.progress", "coach.history.plan",
               "coach.history.transfer", "coach.cli.report_cmds"]
    code = "import sys\n" + "".join(f"import {m}\n" for m in modules) + (
        "print(sorted(m for m in ('textual', 'torch', 'chromadb', 'sentence_transformers', "
        "'langchain', 'openai') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
