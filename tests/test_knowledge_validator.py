"""The validator names each kind of mistake with the right file and line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cli_support import run_cli

from coach.knowledge.loader import load_knowledge
from coach.paths import REPO_ROOT

NOTE = """---
id: {id}
title: A test note
track: fundamentals
topics: [bias-variance-tradeoff]
roles: [ml-engineer]
difficulty: easy
related: []
---

# A test note

## The idea
Some words about the idea.
"""

BANK = """questions:
  - id: {id}-1
    kind: technical
    prompt: Explain the thing that this test note is about, in detail.
    difficulty: easy
    roles: [ml-engineer]
    key_points:
      - id: first
        text: The first checkable statement about the idea.
        probe: What is the first thing you would say about it?
      - id: second
        text: The second checkable statement about the idea.
        probe: What is the second thing you would say about it?
      - id: third
        text: The third checkable statement about the idea.
        probe: What is the third thing you would say about it?
    model_answer: A model answer that is long enough to pass the minimum length check here.
"""


@pytest.fixture
def kdir(tmp_path: Path) -> Path:
    root = tmp_path / "knowledge"
    (root / "fundamentals").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "knowledge" / "topics.yaml", root / "topics.yaml")
    (root / "fundamentals" / "good.md").write_text(NOTE.format(id="good"))
    (root / "fundamentals" / "good.questions.yaml").write_text(BANK.format(id="good"))
    return root


def _problems(root: Path) -> list[str]:
    return [str(p) for p in load_knowledge(root).problems]


def test_a_valid_base_has_no_problems(kdir: Path) -> None:
    kb = load_knowledge(kdir)
    assert kb.problems == []
    assert list(kb.questions) == ["good-1"]


def test_missing_field_names_file_and_line(kdir: Path) -> None:
    bank = BANK.format(id="good").replace("    difficulty: easy\n", "", 1)
    (kdir / "fundamentals" / "good.questions.yaml").write_text(bank)
    problems = _problems(kdir)
    assert len(problems) == 1
    assert problems[0].startswith("knowledge/fundamentals/good.questions.yaml:2:")
    assert "difficulty" in problems[0] and "add 'difficulty'" in problems[0]


def test_bad_key_point_points_at_its_line(kdir: Path) -> None:
    bank = BANK.format(id="good").replace("probe: What is the second thing", "prob: What")
    (kdir / "fundamentals" / "good.questions.yaml").write_text(bank)
    problems = _problems(kdir)
    lines = {p.split(":")[1] for p in problems}
    # Line 12 holds the second key point's "prob:" typo; line 13 its text... both on that item.
    assert any(int(n) in (12, 13, 14) for n in lines), problems
    assert any("prob" in p for p in problems)


def test_yaml_syntax_error_reports_its_line(kdir: Path) -> None:
    bank = BANK.format(id="good").replace("    roles: [ml-engineer]\n", "    roles: [ml-engineer\n",
                                          1)
    (kdir / "fundamentals" / "good.questions.yaml").write_text(bank)
    problems = _problems(kdir)
    assert len(problems) == 1 and "YAML does not parse" in problems[0]
    assert problems[0].split(":")[1] in {"6", "7"}


def test_front_matter_problems(kdir: Path) -> None:
    (kdir / "fundamentals" / "nofm.md").write_text("# No front matter here\n")
    bad_topic = NOTE.format(id="badtopic").replace("[bias-variance-tradeoff]", "[not-a-topic]")
    (kdir / "fundamentals" / "badtopic.md").write_text(bad_topic)
    wrong_track = NOTE.format(id="wrongtrack").replace("track: fundamentals", "track: genai")
    (kdir / "fundamentals" / "wrongtrack.md").write_text(wrong_track)
    mismatch = NOTE.format(id="other-id")
    (kdir / "fundamentals" / "mismatch.md").write_text(mismatch)
    bad_level = NOTE.format(id="badlevel").replace("difficulty: easy", "difficulty: extreme")
    (kdir / "fundamentals" / "badlevel.md").write_text(bad_level)
    problems = "\n".join(_problems(kdir))
    assert "fundamentals/nofm.md:1: no YAML front matter" in problems
    assert "badtopic.md:1: unknown topic 'not-a-topic'" in problems
    assert "wrongtrack.md:1: track 'genai'" in problems
    assert "mismatch.md:1: id 'other-id' differs from the file name" in problems
    assert "badlevel.md:7: difficulty" in problems  # the line of the bad field


def test_duplicate_question_ids_and_orphan_banks(kdir: Path) -> None:
    (kdir / "fundamentals" / "twin.md").write_text(NOTE.format(id="twin"))
    (kdir / "fundamentals" / "twin.questions.yaml").write_text(BANK.format(id="good"))
    (kdir / "fundamentals" / "orphan.questions.yaml").write_text(BANK.format(id="orphan"))
    problems = "\n".join(_problems(kdir))
    assert "twin.questions.yaml:2: duplicate question id 'good-1'" in problems
    assert "good.questions.yaml:2" in problems  # names where it is also used
    assert "orphan.questions.yaml:1: question bank without a note" in problems


CODING_BANK = """questions:
  - id: good-code
    kind: coding
    prompt: Write add(a, b) returning the sum of two numbers.
    difficulty: easy
    roles: [ml-engineer]
    signature: "def add(a: int, b: int) -> int:"
    reference_solution: |
      def add(a, b):
          return a + b
    tests:
      - {name: zeros, args: [0, 0], expected: 0}
      - {name: ones, args: [1, 1], expected: 2}
      - {name: negative, args: [-1, 1], expected: 0}
      - {name: big, args: [1000000, 1], expected: 1000001}
      - {name: floats, args: [0.1, 0.2], expected: 0.3, tolerance: 1.0e-9}
    key_points:
      - id: sum
        text: Return the sum of both arguments directly.
        probe: What operation combines the two numbers?
      - id: constant
        text: The work is constant time and space.
        probe: How does the cost grow with the input?
    model_answer: Return a plus b; it is constant time and needs no extra memory at all.
"""


def test_coding_reference_that_does_not_parse(kdir: Path) -> None:
    bank = CODING_BANK.replace("def add(a, b):", "def add(a, b)")
    (kdir / "fundamentals" / "good.questions.yaml").write_text(bank)
    problems = _problems(kdir)
    assert len(problems) == 1
    assert "reference_solution" in problems[0] and "does not parse" in problems[0]
    assert problems[0].split(":")[1] == "8"


def test_cli_check_runs_each_reference_and_names_the_one_that_fails(kdir: Path) -> None:
    """`coach knowledge check` runs every reference solution against its own tests; one that
    parses but computes the wrong thing is named with its tests, and --no-run-code skips it."""
    bank = CODING_BANK.replace("return a + b", "return a - b")
    (kdir / "fundamentals" / "good.questions.yaml").write_text(bank)
    assert _problems(kdir) == []  # it parses: only running it shows the fault
    env = {"COACH_KNOWLEDGE_DIR": str(kdir)}
    proc = run_cli("knowledge", "check", env=env)
    assert proc.returncode == 1
    lines = [line for line in proc.stdout.splitlines() if "reference_solution of" in line]
    assert len(lines) == 1 and "good-code passes 1/5 of its tests" in lines[0], proc.stdout
    assert "ones" in lines[0] and " — " in lines[0]
    skipped = run_cli("knowledge", "check", "--no-run-code", env=env)
    assert "reference_solution of" not in skipped.stdout


def test_cli_check_lists_every_problem_and_exits_1(kdir: Path) -> None:
    (kdir / "fundamentals" / "nofm.md").write_text("no front matter\n")
    bad_topic = NOTE.format(id="badtopic").replace("[bias-variance-tradeoff]", "[nope]")
    (kdir / "fundamentals" / "badtopic.md").write_text(bad_topic)
    env = {"COACH_KNOWLEDGE_DIR": str(kdir)}
    proc = run_cli("knowledge", "check", env=env)
    assert proc.returncode == 1
    assert "nofm.md:1:" in proc.stdout and "badtopic.md:1:" in proc.stdout
    assert " — " in proc.stdout  # every problem says how to fix it
    # Other commands keep working: broken files are skipped with one warning line.
    proc = run_cli("questions", "list", "--json", env=env)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    assert [q["id"] for q in json.loads(proc.stdout)] == ["good-1"]
    assert proc.stderr.count("\n") == 1 and "knowledge check" in proc.stderr


def test_stats_json_has_the_documented_keys() -> None:
    proc = run_cli("knowledge", "stats", "--json")
    assert proc.returncode == 0
    data = json.loads(proc.stdout)
    for key in ("notes", "questions", "by_track", "by_kind", "by_role", "topics"):
        assert key in data
    assert data["topics"] == sorted(data["topics"])
    assert sum(data["by_kind"].values()) == data["questions"]


def _with_point(kdir: Path, point: str) -> list[str]:
    """The problems of the test bank with its third key point replaced by `point`."""
    third = ("      - id: third\n        text: The third checkable statement about the idea.\n"
             "        probe: What is the third thing you would say about it?\n")
    bank = BANK.format(id="good")
    assert third in bank
    (kdir / "fundamentals" / "good.questions.yaml").write_text(bank.replace(third, point))
    return _problems(kdir)


def test_a_cue_list_split_at_a_comma_is_reported(kdir: Path) -> None:
    point = ("      - id: third\n        text: The first component is (1, 1) over root 2 here.\n"
             "        probe: Which direction does the first component point along?\n"
             "        cues: [(1, 1) over root 2, diagonal]\n")
    problems = _with_point(kdir, point)
    # The flow list parses into '(1' and '1) over root 2': both halves are named, on line 17.
    assert [p.split(":")[1] for p in problems] == ["17", "17"]
    assert "cue '(1' has an unbalanced bracket" in problems[0]
    assert "cue '1) over root 2' has an unbalanced bracket" in problems[1]
    assert "quote the whole cue" in problems[0]
    quoted = point.replace("[(1, 1) over root 2, diagonal]", "['(1, 1) over root 2', diagonal]")
    assert _with_point(kdir, quoted) == []


def test_a_cue_under_three_characters_is_reported(kdir: Path) -> None:
    point = ("      - id: third\n        text: The soft margin trades width for violations.\n"
             "        probe: What does the penalty parameter trade against what?\n"
             "        cues: [slack variables, 'C']\n")
    problems = _with_point(kdir, point)
    assert len(problems) == 1
    assert "good-1/third: cue 'C' is shorter than 3 characters" in problems[0]
    assert _with_point(kdir, point.replace("'C'", "'the C parameter'")) == []


def test_a_probe_that_names_its_cue_is_reported(kdir: Path) -> None:
    point = ("      - id: third\n        text: A forest averages many decorrelated trees.\n"
             "        probe: Does averaging many trees lower the variance?\n"
             "        cues: [averaging, decorrelated]\n")
    problems = _with_point(kdir, point)
    assert len(problems) == 1
    assert problems[0].split(":")[1] == "16"  # the probe's line
    assert "the probe names its own cue 'averaging'" in problems[0]
    fixed = point.replace("Does averaging many trees lower the variance?",
                          "Which part of the error does a forest go after, and how?")
    assert _with_point(kdir, fixed) == []


def test_a_probe_that_repeats_the_point_is_reported(kdir: Path) -> None:
    point = ("      - id: third\n        text: About 37% of the rows are left out of each "
             "bootstrap sample.\n        probe: What share of the rows are left out of each "
             "bootstrap sample?\n")
    problems = _with_point(kdir, point)
    assert len(problems) == 1
    assert "good-1/third: the probe repeats 'of the rows are' from the key point's text" in (
        problems[0])
    fixed = point.replace("What share of the rows are left out of each bootstrap sample?",
                          "How likely is one row to be missed by n draws with replacement?")
    assert _with_point(kdir, fixed) == []
