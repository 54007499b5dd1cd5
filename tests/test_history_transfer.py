"""`coach export` and `coach import`: the whole history as JSON, validated, idempotent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from coach.errors import CoachError
from coach.grading.models import Grade
from coach.interview.records import FollowUpRecord, InterviewRepository, Turn
from coach.interview.review import record_review
from coach.paths import Paths
from coach.services import Services, build_services
from coach.settings import load_settings

QID = "bias-variance-tradeoff-1"


def cli(svc: Services, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    from coach.cli import _register, app, report_cmds

    _register()
    monkeypatch.setattr(report_cmds, "_services", lambda: svc)
    return CliRunner().invoke(app, list(args))


def fill(repo: InterviewRepository) -> None:
    grade = Grade(question_id=QID, kind="technical", score=3.4, level="good")
    for i in range(3):
        sid = f"sess{i}"
        repo.create_session(sid, "ml-engineer", "practice", {"questions": 2, "seed": i},
                            {"candidates": [QID]})
        repo.save_turn(Turn(session_id=sid, position=0, question_id=QID, state="graded",
                            answer=f"answer {i} — ünïcode",
                            followups=[FollowUpRecord(kind="missed", target="bias-def",
                                                      text="What is bias?", answer=None)],
                            grade=grade, score=3.4, topics=["bias-variance-tradeoff"],
                            track="fundamentals"))
        repo.save_turn(Turn(session_id=sid, position=1, question_id="pca-1", state="asking"))
    repo.update_session("sess0", status="finished", summary={"score": 3.4})
    repo.save_draft("sess1", 1, "half an answer")
    record_review(repo, QID, 3.4)


def dump(repo: InterviewRepository) -> dict[str, list[str]]:
    """Every row of every table, without autoincrement ids."""
    out: dict[str, list[str]] = {}
    for table in ("sessions", "turns", "review_state", "drafts"):
        rows = []
        for r in repo.db.query(f"SELECT * FROM {table}"):
            row = dict(zip(r.keys(), tuple(r), strict=True))
            if table == "turns":
                row.pop("id")
            rows.append(json.dumps(row, sort_keys=True))
        out[table] = sorted(rows)
    return out


def other_services(tmp_path: Path) -> Services:
    paths = Paths(config_file=tmp_path / "b" / "config.toml", data_dir=tmp_path / "b" / "data")
    return build_services(load_settings(paths), paths)


def test_export_then_import_elsewhere_reproduces_the_history(
        services: Services, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fill(services.repo)
    file = tmp_path / "history.json"
    result = cli(services, monkeypatch, "export", str(file))
    assert result.exit_code == 0, result.output
    assert "3 session(s), 6 answer(s), 1 review card(s), 1 draft(s)" in result.output
    data = json.loads(file.read_text(encoding="utf-8"))
    assert data["schema"] == "coach.export/1"
    other = other_services(tmp_path)
    try:
        result = cli(other, monkeypatch, "import", str(file))
        assert result.exit_code == 0, result.output
        assert "3 added, 0 updated, 0 unchanged" in result.output
        assert dump(other.repo) == dump(services.repo)
        # the second import changes nothing
        before = dump(other.repo)
        result = cli(other, monkeypatch, "import", str(file))
        assert "0 added, 0 updated, 3 unchanged; review cards changed: 0; drafts changed: 0" \
            in result.output
        assert dump(other.repo) == before
    finally:
        other.repo.db.close()


def test_import_keeps_the_newer_copy_of_a_session(services: Services, tmp_path: Path) -> None:
    from coach.history.transfer import export_history, import_history, read_export

    fill(services.repo)
    file = tmp_path / "old.json"
    file.write_text(json.dumps(export_history(services.repo)), encoding="utf-8")
    data = json.loads(file.read_text(encoding="utf-8"))
    data["sessions"][0]["updated_at"] = "2999-01-01T00:00:00+00:00"
    data["sessions"][0]["turns"][0]["answer"] = "a newer answer"
    newer = tmp_path / "new.json"
    newer.write_text(json.dumps(data), encoding="utf-8")
    result = import_history(services.repo, read_export(newer))
    assert (result.added, result.updated, result.unchanged) == (0, 1, 2)
    assert services.repo.session(data["sessions"][0]["id"]).turns[0].answer == "a newer answer"
    # an older copy never replaces what is here
    result = import_history(services.repo, read_export(file))
    assert result.updated == 0
    assert services.repo.session(data["sessions"][0]["id"]).turns[0].answer == "a newer answer"


@pytest.mark.parametrize("damage, message", [
    (lambda d: d["sessions"][2]["turns"][0].update(score=7.5), "sessions[2].turns[0].score"),
    (lambda d: d["sessions"][1]["turns"][0]["grade"].pop("level"), "sessions[1].turns[0].grade"),
    (lambda d: d["sessions"][2].update(created_at="yesterday"), "sessions[2].created_at"),
    (lambda d: d["review_state"][0]["card"].pop("stability"), "review_state[0].card"),
    (lambda d: d.update(schema="something/9"), "not a coach export"),
    (lambda d: d.update(db_schema=999), "made by a newer coach"),
])
def test_a_bad_file_imports_nothing(services: Services, tmp_path: Path, damage: Any,
                                    message: str) -> None:
    from coach.history.transfer import export_history, import_history, read_export

    source = other_services(tmp_path)
    try:
        fill(source.repo)
        data = export_history(source.repo)
    finally:
        source.repo.db.close()
    damage(data)
    file = tmp_path / "bad.json"
    file.write_text(json.dumps(data), encoding="utf-8")
    before = dump(services.repo)
    with pytest.raises(CoachError) as err:
        import_history(services.repo, read_export(file))
    assert message in str(err.value) and str(file) in str(err.value)
    assert dump(services.repo) == before


def test_import_and_export_errors_are_clear(services: Services,
                                            monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"schema": "coach.export/1",\n "sessions": [', encoding="utf-8")
    result = cli(services, monkeypatch, "import", str(broken))
    assert isinstance(result.exception, CoachError)
    assert f"{broken}:2:" in str(result.exception) and "not valid JSON" in str(result.exception)
    result = cli(services, monkeypatch, "import", str(tmp_path / "missing.json"))
    assert isinstance(result.exception, CoachError) and "cannot read" in str(result.exception)
    kept = tmp_path / "kept.json"
    kept.write_text("mine", encoding="utf-8")
    result = cli(services, monkeypatch, "export", str(kept))
    assert isinstance(result.exception, CoachError) and "--force" in str(result.exception)
    assert kept.read_text(encoding="utf-8") == "mine"
    assert cli(services, monkeypatch, "export", str(kept), "--force").exit_code == 0
    assert json.loads(kept.read_text(encoding="utf-8"))["schema"] == "coach.export/1"


def test_export_covers_every_column_of_the_schema(services: Services) -> None:
    from coach.history import transfer

    expected = {"sessions": set(transfer.SESSION_COLUMNS),
                "turns": set(transfer.TURN_COLUMNS) | {"id"},
                "review_state": set(transfer.REVIEW_COLUMNS),
                "drafts": set(transfer.DRAFT_COLUMNS)}
    tables = {r["name"] for r in services.repo.db.query(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND "
        "name != 'schema_migrations'")}
    assert tables == set(expected), "a new table needs a place in the export"
    for table, columns in expected.items():
        found = {r["name"] for r in services.repo.db.query(f"PRAGMA table_info({table})")}
        assert found == columns, f"export of {table} is out of date with the schema"
