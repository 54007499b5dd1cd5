"""Hostile candidate code against the real sandbox: every escape from issue 16 must fail.

Each test runs under every isolation layer that works on this machine (bubblewrap and
util-linux unshare), and is skipped for a layer only when that layer cannot run here.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from coach.grading import sandbox
from coach.grading.models import CodeResult
from coach.knowledge.models import CodingQuestion

ISOLATED = ("bubblewrap", "unshare")


def _question(tests: int = 5) -> CodingQuestion:
    return CodingQuestion.model_validate({
        "id": "escape-probe", "prompt": "Return the sum of two integers.",
        "difficulty": "easy", "roles": ["ml-engineer"], "signature": "def add(a, b):",
        "model_answer": "Add the two numbers and return the result of the addition.",
        "reference_solution": "def add(a, b):\n    return a + b\n",
        "tests": [{"name": f"adds {i} and 1", "args": [i, 1], "expected": i + 1}
                  for i in range(tests)],
        "key_points": [{"id": "a", "text": "Uses the plus operator.", "probe": "How do you add?"},
                       {"id": "b", "text": "Returns the value.", "probe": "What do you return?"}]})


@pytest.fixture(params=ISOLATED)
def layer(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("COACH_SANDBOX", request.param)
    found = sandbox.isolation()
    if found.layer != request.param:
        pytest.skip(f"{request.param} cannot create namespaces on this machine "
                    f"({found.reason}); install bubblewrap or allow user namespaces")
    yield request.param


def _values(result: CodeResult) -> list[str]:
    """What each test got back, as the user sees it in the feedback."""
    return [t.message for t in result.tests]


def _ns_processes(ns: str) -> list[int]:
    """Live (non-zombie) processes on the machine that belong to PID namespace `ns`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.readlink(f"/proc/{entry}/ns/pid") != ns:
                continue
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[-1].split()[0]
        except OSError:
            continue
        if state != "Z":
            found.append(int(entry))
    return found


def _ns_of(result: CodeResult) -> str:
    message = result.tests[0].message
    assert "got 'pid:[" in message, message
    return message.split("got '", 1)[1].rstrip("'")


# --- files -----------------------------------------------------------------------------------


def test_cannot_read_system_user_or_coach_files(layer: str, coach_home: Path) -> None:
    coach_home.mkdir(parents=True, exist_ok=True)
    secret = coach_home / "secret.txt"
    secret.write_text("coach-data-secret")
    in_home = Path.home() / f".coach-sandbox-probe-{uuid.uuid4().hex}"
    in_home.write_text("home-secret")
    knowledge_file = next(Path(sandbox.__file__).resolve().parents[2].glob(
        "knowledge/*/*.questions.yaml"))
    targets = ["/etc/passwd", "/etc/shadow", str(secret), str(in_home), str(knowledge_file),
               str(Path(sandbox.__file__).resolve())]
    code = ("def add(a, b):\n"
            f"    path = {targets!r}[a]\n"
            "    return open(path).read()\n")
    try:
        result = sandbox.run_tests(_question(len(targets)), code)
    finally:
        in_home.unlink()
    assert result.isolated and result.isolation == layer
    assert result.passed == 0
    shown = " ".join(_values(result))
    for leaked in ("root:", "coach-data-secret", "home-secret", "expected:", "import "):
        assert leaked not in shown, shown
    assert shown.count("No such file or directory") == len(targets), shown


def test_cannot_write_outside_its_private_tmp(layer: str, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex
    targets = [f"/tmp/coach-escape-{tag}", str(tmp_path / "escape.txt"),
               str(Path.home() / f".coach-escape-{tag}"), f"/var/tmp/coach-escape-{tag}",
               f"/usr/coach-escape-{tag}"]
    code = ("def add(a, b):\n"
            f"    open({targets!r}[a], 'w').write('escaped')\n"
            "    return 'written'\n")
    result = sandbox.run_tests(_question(), code)
    for target in targets:
        assert not os.path.exists(target), target
    # Its own /tmp works (a private tmpfs that goes with the run); the system is read-only.
    assert "got 'written'" in result.tests[0].message
    assert "Read-only" in result.tests[4].message or "Permission" in result.tests[4].message


# --- network ----------------------------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[socket.socket]:
    """A TCP server on the host's loopback; the sandbox must not reach it."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    srv.setblocking(False)
    yield srv
    srv.close()


def _connections(srv: socket.socket) -> int:
    count = 0
    while True:
        try:
            conn, _ = srv.accept()
        except BlockingIOError:
            return count
        conn.close()
        count += 1


def test_no_network_by_any_route(layer: str, server: socket.socket) -> None:
    port = server.getsockname()[1]
    code = f"""
import socket, _socket, subprocess, sys
def add(a, b):
    route = a
    if route == 0:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(2)
        s.connect(("127.0.0.1", {port}))
        return "connected"
    if route == 1:
        s = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
        s.settimeout(2)
        s.connect(("127.0.0.1", {port}))
        return "connected"
    if route == 2:
        child = ("import socket\\nprint('child started', flush=True)\\n"
                 "socket.create_connection(('127.0.0.1', {port}), timeout=2)\\n"
                 "print('connected')")
        out = subprocess.run(["python3", "-c", child], capture_output=True, text=True,
                             timeout=20)
        return out.stdout + out.stderr.strip().splitlines()[-1]
    if route == 3:
        return socket.create_connection(("localhost", {port}), timeout=2) and "connected"
    return socket.getaddrinfo("example.com", 80) and "resolved"
"""
    result = sandbox.run_tests(_question(), code, timeout=40.0)
    shown = _values(result)
    assert _connections(server) == 0, shown
    assert not any("'connected'" in m or "\\nconnected" in m for m in shown), shown
    assert "child started" in shown[2], shown  # the python3 child ran, and was refused
    assert result.passed == 0


# --- processes ----------------------------------------------------------------------------------


def test_processes_and_daemons_do_not_outlive_the_run(layer: str, tmp_path: Path) -> None:
    marker = tmp_path / "daemon-was-here"
    code = f"""
import os, subprocess, time
def add(a, b):
    if a == 0:
        if os.fork() == 0:          # a double-forked daemon in a session of its own
            os.setsid()
            if os.fork() == 0:
                time.sleep(2)
                for path in ({str(marker)!r}, "/tmp/daemon-was-here"):
                    try:
                        open(path, "w").write("alive")
                    except OSError:
                        pass
                time.sleep(60)
                os._exit(0)
            os._exit(0)
        for _ in range(250):
            subprocess.Popen(["sleep", "600"])
        me = os.getpid()
        for _ in range(6):        # a bounded fork bomb: 2**6 processes that never exit
            os.fork()
        if os.getpid() != me:
            time.sleep(600)
    return os.readlink("/proc/self/ns/pid")
"""
    result = sandbox.run_tests(_question(), code, timeout=8.0)
    ns = _ns_of(result)
    assert ns != os.readlink("/proc/self/ns/pid")
    assert _ns_processes(ns) == []
    time.sleep(2.5)
    assert _ns_processes(ns) == []
    assert not marker.exists()


def test_killing_its_parent_does_not_kill_the_coach(layer: str) -> None:
    code = ("import os, signal\n"
            "def add(a, b):\n"
            "    os.kill(os.getppid(), signal.SIGKILL)\n"
            "    os.kill(1, signal.SIGKILL)\n"
            "    return a + b\n")
    before = os.getpid()
    result = sandbox.run_tests(_question(), code)
    assert os.getpid() == before  # this process (standing in for the coach) is alive
    assert result.parsed and result.total == 5


def test_a_run_that_kills_itself_is_a_failed_run_with_the_reason(layer: str) -> None:
    code = "import ctypes\ndef add(a, b):\n    return ctypes.string_at(0)\n"
    result = sandbox.run_tests(_question(), code)
    assert result.passed == 0 and "SIGSEGV" in result.error
    assert all(t.message.startswith("not run: the code crashed") for t in result.tests)


def test_no_new_namespaces_to_regain_privileges(layer: str) -> None:
    code = ("import ctypes, os\n"
            "def add(a, b):\n"
            "    libc = ctypes.CDLL(None, use_errno=True)\n"
            "    flags = [0x10000000, 0x10000000 | 0x00020000, 0x00020000, 0x40000000][a % 4]\n"
            "    if libc.unshare(flags) != 0:\n"
            "        return 'refused: ' + os.strerror(ctypes.get_errno())\n"
            "    return 'unshared'\n")
    shown = _values(sandbox.run_tests(_question(), code))
    assert all("refused" in m for m in shown), shown


# --- forged results ---------------------------------------------------------------------------


def test_patching_the_comparison_passes_nothing(layer: str) -> None:
    code = ("import __main__, builtins\n"
            "__main__.close = lambda *a, **k: True\n"
            "builtins.close = lambda *a, **k: True\n"
            "def add(a, b):\n"
            "    return None\n")
    assert sandbox.run_tests(_question(), code).passed == 0


def test_a_fake_results_line_and_exit_passes_nothing(layer: str) -> None:
    fake = json.dumps({"results": [{"name": f"adds {i} and 1", "passed": True, "message": ""}
                                   for i in range(5)]})
    code = ("import os, sys\n"
            f"print({fake!r})\n"
            "sys.stdout.flush()\n"
            "os._exit(0)\n"
            "def add(a, b):\n    return None\n")
    result = sandbox.run_tests(_question(), code)
    assert result.passed == 0 and result.error


def test_lines_forged_on_the_results_pipe_pass_nothing(layer: str) -> None:
    """Even with the run's nonce and pipe found in memory, a test passes only on the value."""
    code = ("import gc, json, os\n"
            "spec = next(o for o in gc.get_objects() if isinstance(o, dict) and 'nonce' in o\n"
            "            and 'fd' in o)\n"
            "for i in range(5):\n"
            "    line = {'nonce': spec['nonce'], 'i': i, 'passed': True, 'ok': True,\n"
            "            'value': 'pass', 'expected': 'pass'}\n"
            "    os.write(spec['fd'], (json.dumps(line) + '\\n').encode())\n"
            "os.write(spec['fd'], (json.dumps({'nonce': spec['nonce'], 'done': True})\n"
            "                      + '\\n').encode())\n"
            "os._exit(0)\n")
    result = sandbox.run_tests(_question(), code)
    assert result.passed == 0


# --- clean up ---------------------------------------------------------------------------------


def test_no_temporary_folders_are_left_behind(layer: str) -> None:
    before = set(Path("/tmp").glob("coach-sandbox-*"))
    for code in ("def add(a, b):\n    open('/tmp/x', 'w').write('x')\n    return a + b\n",
                 "import os\ndef add(a, b):\n    os.kill(os.getpid(), 9)\n",
                 "def add(a, b):\n    while True:\n        pass\n"):
        sandbox.run_tests(_question(), code, timeout=1.5)
    assert set(Path("/tmp").glob("coach-sandbox-*")) <= before


# --- a coach installed under /tmp ---------------------------------------------------------------


def test_libraries_under_tmp_stay_readable_behind_the_private_tmp(
        layer: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The child gets an empty /tmp of its own; a readable root inside /tmp (a clone or
    virtualenv there, as a CI checkout may be) is bound on top of it, not covered by it:
    numpy and torch questions failed with ModuleNotFoundError from such a checkout."""
    lib = tmp_path / "site"
    lib.mkdir()
    (lib / "helper_under_tmp.py").write_text("def one():\n    return 1\n")
    assert str(lib).startswith("/tmp/")
    roots = sandbox._readable_roots()
    monkeypatch.setattr(sandbox, "_readable_roots", lambda: [*roots, str(lib)])
    code = (f"import sys\nsys.path.insert(0, {str(lib)!r})\nimport helper_under_tmp\n"
            "def add(a, b):\n    return a + b + helper_under_tmp.one() - 1\n")
    result = sandbox.run_tests(_question(), code, timeout=40.0)
    assert not result.error and result.passed == 5, [result.error, *_values(result)]
    # /tmp itself stays the child's own scratch space, writable
    scratch = ("def add(a, b):\n    open('/tmp/scratch', 'w').write('x')\n"
               "    return a + b\n")
    assert sandbox.run_tests(_question(), scratch, timeout=40.0).passed == 5
