"""The command line as scripts use it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from cli_support import run_cli

from coach.paths import REPO_ROOT


def coach(*args: str, input: str | None = None, home: Path | None = None,
          env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`coach ARGS` through its real entry point, in this process (no new interpreter)."""
    full_env = dict(env or {})
    if home is not None:
        full_env["COACH_HOME"] = str(home)
    return run_cli(*args, input=input, env=full_env)


def test_grade_json(tmp_path: Path, coach_home: Path) -> None:
    answer = tmp_path / "a.txt"
    answer.write_text("Bias is the systematic error of the model's assumptions; variance is how "
                      "much predictions change with a different training sample.")
    proc = coach("grade", "--question", "bias-variance-tradeoff-1", "--answer-file", str(answer),
                 "--json", home=coach_home)
    assert proc.returncode == 0, proc.stderr
    grade = json.loads(proc.stdout)
    assert grade["question_id"] == "bias-variance-tradeoff-1"
    assert 0 < grade["score"] < 5 and grade["level"]
    text = answer.read_text()
    for kp in grade["key_points"]:
        if kp["evidence"]:
            assert text[kp["evidence"]["start"]:kp["evidence"]["end"]] == kp["evidence"]["text"]


def test_grade_errors_are_one_line(tmp_path: Path, coach_home: Path) -> None:
    proc = coach("grade", "--question", "no-such-question", "--answer-file", "x", home=coach_home)
    assert proc.returncode == 1 and "no question 'no-such-question'" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = coach("grade", "--question", "bias-variance-tradeoff-1", "--answer-file",
                 str(tmp_path / "missing.txt"), home=coach_home)
    assert proc.returncode == 1 and "missing.txt" in proc.stderr and "Traceback" not in proc.stderr


def test_questions_list_and_show(coach_home: Path) -> None:
    proc = coach("questions", "list", "--track", "coding", "--json", home=coach_home)
    rows = json.loads(proc.stdout)
    assert rows and all(r["track"] == "coding" for r in rows)
    proc = coach("questions", "show", rows[0]["id"], home=coach_home)
    assert proc.returncode == 0 and "signature:" in proc.stdout
    assert "Model answer" not in proc.stdout  # only on request
    assert "Model answer" in coach("questions", "show", rows[0]["id"], "--answer",
                                   home=coach_home).stdout


def test_practice_plain_with_piped_input(coach_home: Path) -> None:
    script = ("/hint\n"
              "I think you would use regularization, like an L2 penalty on the weights.\n.\n"
              "Not sure.\n.\n"
              "/skip\n"
              "/end\n")
    proc = coach("practice", "--plain", "--track", "fundamentals", "--questions", "3",
                 "--seed", "3", input=script, home=coach_home)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.count("Interviewer:") >= 4
    assert "[1/3]" in out and "Score:" in out
    assert "Session summary" in out and "coach report" in out
    history = json.loads(coach("questions", "list", "--json", home=coach_home).stdout)
    assert history  # the CLI still works against the same home


def test_practice_rejects_bad_options_clearly(coach_home: Path) -> None:
    proc = coach("practice", "--plain", "--role", "wizard", home=coach_home)
    assert proc.returncode == 1 and "unknown role 'wizard'" in proc.stderr
    proc = coach("practice", "--plain", "--track", "astrology", home=coach_home)
    assert proc.returncode == 1 and "astrology" in proc.stderr


def test_corrupt_database_is_one_error_and_untouched(coach_home: Path) -> None:
    db = coach_home / "data" / "coach.db"
    db.parent.mkdir(parents=True)
    junk = b"this is not a database" * 100
    db.write_bytes(junk)
    proc = coach("practice", "--plain", "--questions", "1", input="/end\n", home=coach_home)
    assert proc.returncode == 1
    assert "coach.db" in proc.stderr and "Traceback" not in proc.stderr
    assert db.read_bytes() == junk


def test_eval_grader_json_and_predictions(tmp_path: Path, coach_home: Path) -> None:
    rows = [
        {"id": "a", "question": "How do you separate salt from water?",
         "reference_answer": "Evaporate the water, leaving the salt behind.",
         "answer": "Let the water evaporate and the salt stays.", "score": 1, "max_score": 1},
        {"id": "b", "question": "How do you separate salt from water?",
         "reference_answer": "Evaporate the water, leaving the salt behind.",
         "answer": "Use a magnet to pull the salt out.", "score": 0, "max_score": 1},
        {"id": "c", "question_id": "bias-variance-tradeoff-1",
         "answer": "I don't know.", "score": 0, "max_score": 5},
    ]
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    preds = tmp_path / "p.jsonl"
    proc = coach("eval", "grader", "--dataset", str(data), "--json", "--predictions", str(preds),
                 home=coach_home)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    for key in ("n", "pearson", "spearman", "qwk", "rmse", "mae", "baseline_rmse", "seconds",
                "answers_per_second"):
        assert key in result
    assert result["n"] == 3
    out = [json.loads(x) for x in preds.read_text().splitlines()]
    assert [p["id"] for p in out] == ["a", "b", "c"]
    assert out[0]["predicted"] > out[1]["predicted"]
    assert 0 <= out[0]["predicted"] <= 1 and out[2]["predicted"] == 0


def test_eval_grader_bad_row_names_the_line(tmp_path: Path, coach_home: Path) -> None:
    data = tmp_path / "bad.jsonl"
    data.write_text('{"id": "x", "answer": "a", "score": 1}\nnot json\n')
    proc = coach("eval", "grader", "--dataset", str(data), home=coach_home)
    assert proc.returncode == 1 and "bad.jsonl:1" in proc.stderr


def test_search_cli(home_with_index: Path) -> None:
    proc = coach("search", "difference between bagging and boosting", "-k", "3", "--json",
                 home=home_with_index)
    assert proc.returncode == 0, proc.stderr
    hits = json.loads(proc.stdout)
    assert len(hits) == 3
    assert {"random-forests", "gradient-boosting", "bias-variance-tradeoff"} & {
        h["note_id"] for h in hits}
    assert (REPO_ROOT / "knowledge").exists()
