"""Run candidate code against a question's tests, isolated from the coach and the user.

The candidate's code runs in a child Python process (`sandbox_child.py`) that gets each
test's arguments (or, for SQL, the schema and rows) but never the expected values. The child
writes what the function returned to a dedicated pipe; this module compares those values
with the expected ones, so nothing the code prints, patches or forges can pass a test.

Isolation, chosen once per process (see `isolation()`):
- "bubblewrap": new user, PID, network, IPC and mount namespaces, a read-only view of only
  the system and Python folders, a private tmpfs as /tmp and home, no capabilities.
- "unshare" (util-linux): the same namespaces; the child builds the private root itself.
- "none": no isolation layer works here (macOS, a container without user namespaces): the
  limits still apply, and every grade says "not isolated: your code runs as you".
In every case: CPU, memory, process, file-size and open-file limits, a cleared
environment, and the whole run killed when it ends.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coach import pysyntax
from coach.grading.models import CodeResult, TestOutcome
from coach.knowledge.models import CodingQuestion, CodingTest

MEMORY_MB = 2048
"""Address-space limit (RLIMIT_AS). Measured: `import torch` (CPU, one thread) peaks at
0.64 GB of address space, NumPy at 0.14 GB, plain Python at 0.03 GB; 2 GB leaves the
candidate ~1.4 GB for its own tensors while a runaway allocation still fails fast."""
LOAD_SECONDS = 60.0
"""Time for Python to start and import NumPy or torch (seconds on a loaded machine), before
the tests' own time limit starts."""
MAX_PROCESSES = 64
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_OPEN_FILES = 256
MAX_RESULT_BYTES = 8 * 1024 * 1024
LAYERS = ("bubblewrap", "unshare", "none")
NOT_ISOLATED = ("not isolated: your code runs as you, with your files and network "
                "(no bubblewrap or user namespaces on this machine)")
_TEMP_PREFIX = "coach-sandbox-"
_CHILD = Path(__file__).with_name("sandbox_child.py")


@dataclass(frozen=True)
class Isolation:
    layer: str
    """"bubblewrap", "unshare" or "none"."""
    reason: str = ""
    """Why no isolation layer is used (only for "none")."""

    @property
    def isolated(self) -> bool:
        return self.layer != "none"


# --- answers -------------------------------------------------------------------------------


def extract_code(answer: str) -> str:
    """The code in an answer: fenced blocks if any, else the text from the first def."""
    if "```" in answer:
        blocks = answer.split("```")[1::2]
        code = "\n".join(b.split("\n", 1)[1] if b.split("\n", 1)[0].strip().isalpha() or not
                         b.split("\n", 1)[0].strip() else b for b in blocks)
        return code.strip("\n")
    lines = answer.splitlines()
    for i, line in enumerate(lines):
        if line.lstrip().startswith(("def ", "import ", "from ", "class ")):
            tail = lines[i:]
            # Prose after the code: keep the longest prefix that parses.
            for end in range(len(tail), 0, -1):
                candidate = "\n".join(tail[:end])
                try:
                    pysyntax.parse(candidate)
                except SyntaxError:
                    continue
                return candidate
            return "\n".join(tail)
    return answer


_SQL_START = re.compile(r"^\s*(with|select)\b", re.IGNORECASE)


def extract_sql(answer: str) -> str:
    """The query in an answer: the fenced block(s) if any, else the text from the first line
    that starts with SELECT or WITH up to the first line ending with ';' (or the end)."""
    if "```" in answer:
        blocks = answer.split("```")[1::2]
        body = "\n".join(b.split("\n", 1)[1] if b.split("\n", 1)[0].strip().isalpha()
                         or not b.split("\n", 1)[0].strip() else b for b in blocks)
        return body.strip()
    lines = answer.splitlines()
    for i, line in enumerate(lines):
        if _SQL_START.match(line):
            taken: list[str] = []
            for rest in lines[i:]:
                taken.append(rest)
                if rest.rstrip().endswith(";"):
                    break
            return "\n".join(taken).strip()
    return answer.strip()


# --- comparison (in the coach, never in the child) ---------------------------------------


def close(got: Any, want: Any, tol: float | None) -> bool:
    """`got` (JSON data from the child) matches `want` within the absolute tolerance."""
    if isinstance(want, bool) or want is None or isinstance(want, str):
        return type(got) is type(want) and bool(got == want)
    if isinstance(want, (int, float)):
        if isinstance(got, bool) or not isinstance(got, (int, float)):
            return False
        if isinstance(want, float) and math.isnan(want):
            return isinstance(got, float) and math.isnan(got)
        if tol is None:
            return bool(got == want)
        return math.isfinite(got) and abs(got - want) <= tol
    if isinstance(want, (list, tuple)):
        return (isinstance(got, list) and len(got) == len(want)
                and all(close(g, w, tol) for g, w in zip(got, want, strict=True)))
    if isinstance(want, dict):
        keys = {str(k): v for k, v in want.items()}
        return (isinstance(got, dict) and set(got) == set(keys)
                and all(close(got[k], v, tol) for k, v in keys.items()))
    return False


def rows_match(got: Any, want: list[Any], *, ordered: bool, tol: float | None) -> bool:
    """SQL rows: in order when `ordered`, else as a multiset (each expected row used once)."""
    if not isinstance(got, list) or len(got) != len(want):
        return False
    if ordered:
        return close(got, want, tol)
    unused = list(got)
    for row in want:
        match = next((i for i, g in enumerate(unused) if close(g, row, tol)), None)
        if match is None:
            return False
        unused.pop(match)
    return True


def _matches(question: CodingQuestion, test: CodingTest, got: Any) -> bool:
    if question.language == "sql":
        return rows_match(got, test.expected, ordered=test.ordered, tol=test.tolerance)
    return close(got, test.expected, test.tolerance)


# --- isolation layers ------------------------------------------------------------------------

_probe_lock = threading.Lock()
_probed: dict[str, Isolation] = {}


def _python() -> str:
    return sys.executable


def _readable_roots() -> list[str]:
    """What the child may read: the system's program and library folders and Python's own."""
    paths = [p for p in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
             if os.path.lexists(p)]
    for p in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
              os.path.dirname(os.path.realpath(sys.executable))}:
        if p and os.path.isdir(p):
            paths.append(os.path.abspath(p))
    out: list[str] = []
    for p in sorted(set(paths), key=len):
        if not any(p == q or p.startswith(q.rstrip("/") + "/") for q in out
                   if not os.path.islink(q)):
            out.append(p)
    return out


def _hidden(roots: Sequence[str]) -> list[str]:
    """Folders inside the readable roots that the child must not see: the coach's own
    package (its question files hold the expected values), its knowledge and data folders,
    and the user's home. Each is covered by an empty tmpfs."""
    from coach.paths import knowledge_dir, resolve_paths

    candidates = {Path(__file__).resolve().parent.parent, knowledge_dir(), Path.home()}
    try:
        paths = resolve_paths()
        candidates |= {paths.data_dir, paths.config_file.parent}
    except Exception:  # an unusable COACH_HOME is reported elsewhere; hide what is known
        pass
    out = []
    for c in candidates:
        try:
            p = str(c.resolve())
        except OSError:
            continue
        if os.path.isdir(p) and any(p.startswith(r.rstrip("/") + "/") for r in roots
                                    if not os.path.islink(r)):
            out.append(p)
    return sorted(out)


def _bwrap_command(python: str) -> list[str]:
    roots = _readable_roots()
    cmd = ["bwrap", "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent",
           "--new-session", "--cap-drop", "ALL", "--hostname", "sandbox",
           # The private /tmp first: a readable root inside /tmp (a clone or virtualenv
           # there) is then bound on top of it instead of being covered by it.
           "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for p in roots:
        if os.path.islink(p):
            cmd += ["--symlink", os.readlink(p), p]
        else:
            cmd += ["--ro-bind", p, p]
    for p in _hidden(roots):
        cmd += ["--tmpfs", p]
    cmd += ["--chdir", "/tmp"]
    return [*cmd, python]


def _unshare_command(python: str) -> list[str]:
    return ["unshare", "--user", "--map-root-user", "--pid", "--fork", "--kill-child",
            "--net", "--ipc", "--uts", "--mount", "--mount-proc", "--", python]


def _private_root() -> dict[str, list[str]]:
    roots = _readable_roots()
    devices = [d for d in ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random")
               if os.path.exists(d)]
    return {"binds": roots + devices, "hide": _hidden(roots)}


def _probe(layer: str) -> Isolation | None:
    """The layer, if a child started under it runs Python and cannot reach the network."""
    if layer == "none":
        return Isolation("none", "asked for (COACH_SANDBOX=none)")
    if not sys.platform.startswith("linux"):
        return None
    tool = "bwrap" if layer == "bubblewrap" else "unshare"
    if shutil.which(tool) is None:
        return None
    question = CodingQuestion.model_validate({
        "id": "sandbox-probe", "prompt": "Probe that the sandbox layer works.",
        "difficulty": "easy", "roles": ["ml-engineer"], "signature": "def probe():",
        "model_answer": "A probe of the isolation layer, not a real question at all.",
        "reference_solution": "def probe():\n    return 1\n",
        "tests": [{"name": f"probe {i}", "args": [], "expected": 1} for i in range(5)],
        "key_points": [{"id": "a", "text": "Probe point one.", "probe": "Probe point?"},
                       {"id": "b", "text": "Probe point two.", "probe": "Probe point?"}]})
    try:
        host_net = os.readlink("/proc/self/ns/net")
    except OSError:
        return None
    # Passes only when the child runs Python and sits in a network namespace of its own.
    code = ("import os\ndef probe():\n"
            f"    return 1 if os.readlink('/proc/self/ns/net') != {host_net!r} else 0\n")
    try:
        result = _run(question, code, timeout=10.0, memory_mb=MEMORY_MB,
                      isolation=Isolation(layer))
    except OSError:
        return None
    return Isolation(layer) if result.passed == result.total else None


def isolation() -> Isolation:
    """The isolation layer coding runs use here: probed once per process, then cached.
    COACH_SANDBOX=bubblewrap|unshare|none asks for one layer (for tests and diagnosis)."""
    wanted = os.environ.get("COACH_SANDBOX", "auto").strip().lower() or "auto"
    with _probe_lock:
        if wanted not in _probed:
            order = LAYERS if wanted not in LAYERS else (wanted,)
            found = None
            for layer in order:
                found = _probe(layer)
                if found is not None:
                    break
            if found is None:
                why = ("not Linux" if not sys.platform.startswith("linux") else
                       f"{wanted} does not work here" if wanted in LAYERS else
                       "neither bubblewrap nor unshare can create namespaces here")
                found = Isolation("none", why)
            _probed[wanted] = found
        return _probed[wanted]


# --- running ---------------------------------------------------------------------------------


def run_tests(question: CodingQuestion, answer: str, *, timeout: float = 5.0,
              memory_mb: int = MEMORY_MB) -> CodeResult:
    """Extract the code (or query) from the answer and run it against every test."""
    if question.language == "sql":
        code = extract_sql(answer)
        if not code:
            return CodeResult(parsed=False, error="no SQL query found",
                              total=len(question.tests))
    else:
        code = extract_code(answer)
        try:
            pysyntax.parse(code)
        except SyntaxError as exc:
            return CodeResult(parsed=False, error=f"line {exc.lineno}: {exc.msg}",
                              total=len(question.tests))
    layer = isolation()
    try:
        return _run(question, code, timeout=timeout, memory_mb=memory_mb, isolation=layer)
    except OSError as exc:
        return CodeResult(parsed=True, total=len(question.tests), isolation=layer.layer,
                          isolated=layer.isolated,
                          error=f"the sandbox could not start ({exc.strerror or exc}); "
                                "the code was not run")


def _sweep_stale_folders() -> None:
    """Remove temp folders of runs whose coach process no longer exists (killed mid-run)."""
    base = Path(tempfile.gettempdir())
    for folder in base.glob(_TEMP_PREFIX + "*"):
        pid = folder.name[len(_TEMP_PREFIX):].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            pass


def _run(question: CodingQuestion, code: str, *, timeout: float, memory_mb: int,
         isolation: Isolation) -> CodeResult:
    python = _python()
    source = _CHILD.read_text(encoding="utf-8")
    nonce = secrets.token_hex(16)
    spec: dict[str, Any] = {
        "language": question.language, "code": code, "nonce": nonce,
        "entry": question.entry_point, "cpu_seconds": max(1, math.ceil(timeout)) + 1,
        "memory_bytes": memory_mb * 1024 * 1024, "max_processes": MAX_PROCESSES,
        "max_file_bytes": MAX_FILE_BYTES, "max_open_files": MAX_OPEN_FILES}
    if question.language == "sql":
        spec["schema"] = question.schema_sql
        spec["setups"] = [t.setup for t in question.tests]
    else:
        spec["args"] = [json.dumps(t.args) for t in question.tests]
    folder: Path | None = None
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "TMPDIR": "/tmp",
           "LANG": "C.UTF-8", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1"}
    if isolation.layer == "bubblewrap":
        cmd, cwd = _bwrap_command(python), "/"
    elif isolation.layer == "unshare":
        cmd, cwd = _unshare_command(python), "/"
        spec["private_root"] = _private_root()
    else:
        _sweep_stale_folders()
        folder = Path(tempfile.mkdtemp(prefix=f"{_TEMP_PREFIX}{os.getpid()}-"))
        cmd, cwd = [python], str(folder)
        env.update(HOME=str(folder), TMPDIR=str(folder))
    cmd += ["-I", "-B", "-c", source]
    start = time.perf_counter()
    read_end, write_end = os.pipe()
    spec["fd"] = write_end
    try:
        proc = _spawn(cmd, cwd, env, write_end)
    except OSError:
        os.close(read_end)
        os.close(write_end)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    os.close(write_end)
    try:
        lines, stderr, timed_out = _collect(proc, json.dumps(spec).encode(), read_end,
                                            nonce, timeout)
    finally:
        _kill(proc)
        os.close(read_end)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
    seconds = time.perf_counter() - start
    return _result(question, lines, stderr, proc.returncode, timed_out, timeout, seconds,
                   isolation)


def _spawn(cmd: list[str], cwd: str, env: dict[str, str],
           write_end: int) -> subprocess.Popen[bytes]:
    """Start the child, holding the results pipe's write end, in a session of its own."""
    return subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            pass_fds=(write_end,), start_new_session=True)


def _collect(proc: subprocess.Popen[bytes], spec: bytes, read_end: int, nonce: str,
             timeout: float) -> tuple[list[dict[str, Any]], bytes, bool]:
    """Send the spec, then read result lines until the child says done, exits or times out."""
    assert proc.stdin is not None and proc.stderr is not None
    try:
        proc.stdin.write(spec)
        proc.stdin.close()
    except OSError:
        pass  # the child died before reading: reported from its exit status
    deadline = time.monotonic() + LOAD_SECONDS  # until the child says it is ready
    buffer, stderr = b"", b""
    err_fd = proc.stderr.fileno()
    open_fds = {read_end, err_fd}
    lines: list[dict[str, Any]] = []
    done = started = False
    while open_fds and not done:
        left = deadline - time.monotonic()
        if left <= 0:
            return lines, stderr, True
        readable, _, _ = select.select(list(open_fds), [], [], min(left, 0.25))
        if not readable and proc.poll() is not None:
            # The child has exited; whatever it started may still hold the pipes open.
            break
        for fd in readable:
            chunk = os.read(fd, 65536)
            if not chunk:
                open_fds.discard(fd)
            elif fd == err_fd:
                stderr = (stderr + chunk)[-4096:]
            else:
                buffer += chunk
                if len(buffer) > MAX_RESULT_BYTES:
                    return lines, stderr + b"\nthe results are too large to compare", False
                *complete, buffer = buffer.split(b"\n")
                for raw in complete:
                    try:
                        line = json.loads(raw)
                    except ValueError:
                        continue
                    if not isinstance(line, dict) or line.get("nonce") != nonce:
                        continue
                    if line.get("ready") and not started:
                        started, deadline = True, time.monotonic() + timeout
                    lines.append(line)
                    done = done or bool(line.get("done"))
    return lines, stderr, False


KILL_WAIT_SECONDS = 10.0
"""Longest wait for a killed run's processes to be gone."""


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(c) for c in text.split()]


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """End the run as a whole. Under a namespace layer, the first process inside the new PID
    namespace is killed and awaited: the kernel ends every process of that namespace before
    it goes, so nothing the code started (daemons included) outlives the run. Without a
    layer, the child's session is killed."""
    inits = _children(proc.pid)
    spaces = {ns for ns in map(_pid_ns, inits) if ns and ns != _pid_ns(os.getpid())}
    for pid in inits:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + KILL_WAIT_SECONDS
    for pid in inits:
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.01)
    # The kernel ends the rest of the namespace with its first process, but on a loaded
    # machine a few hundred processes can still be seen exiting for a moment after it: the
    # run is over when none is left (usually at the first look).
    while spaces and time.monotonic() < deadline and _live_in(spaces):
        time.sleep(0.01)
    if proc.stderr is not None:
        proc.stderr.close()


def _pid_ns(pid: int) -> str:
    try:
        return os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return ""


def _live_in(spaces: set[str]) -> bool:
    """Some process that is not a zombie belongs to one of these PID namespaces."""
    for entry in os.listdir("/proc"):
        if entry.isdigit() and _pid_ns(int(entry)) in spaces and _alive(int(entry)):
            return True
    return False


def _alive(pid: int) -> bool:
    """The process exists and is not a zombie already reaped of its namespace."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _result(question: CodingQuestion, lines: list[dict[str, Any]], stderr: bytes,
            returncode: int | None, timed_out: bool, timeout: float, seconds: float,
            isolation: Isolation) -> CodeResult:
    total = len(question.tests)
    base: dict[str, Any] = {"total": total, "seconds": seconds, "isolation": isolation.layer,
                            "isolated": isolation.isolated}
    load = next((ln for ln in lines if "load_error" in ln), None)
    if load is not None:
        return CodeResult(parsed=not load.get("syntax"), error=str(load["load_error"])[:300],
                          **base)
    got: dict[int, dict[str, Any]] = {}
    for ln in lines:
        i = ln.get("i")
        if isinstance(i, int) and 0 <= i < total and i not in got:
            got[i] = ln
    if timed_out and not any(ln.get("ready") for ln in lines):
        stopped = f"Python did not start within {LOAD_SECONDS:.0f} s (the machine is busy?)"
    elif timed_out:
        stopped = f"timed out after {timeout:.0f} s"
    elif len(got) < total:
        stopped = _crash_reason(returncode, stderr)
    else:
        stopped = ""
    tests = []
    for i, test in enumerate(question.tests):
        line = got.get(i)
        if line is None:
            tests.append(TestOutcome(name=test.name, passed=False, message=f"not run: {stopped}"))
        elif "error" in line:
            tests.append(TestOutcome(name=test.name, passed=False,
                                     message=str(line["error"])[:300]))
        else:
            ok = _matches(question, test, line.get("value"))
            message = "" if ok else f"expected {test.expected!r}, got {line.get('value')!r}"
            tests.append(TestOutcome(name=test.name, passed=ok, message=message[:300]))
    return CodeResult(parsed=True, passed=sum(t.passed for t in tests), tests=tests,
                      timed_out=timed_out, error=stopped, **base)


def _crash_reason(returncode: int | None, stderr: bytes) -> str:
    tail = [ln for ln in stderr.decode("utf-8", "replace").strip().splitlines() if ln.strip()]
    code = returncode if returncode is not None else 0
    sig = -code if code < 0 else code - 128 if code > 128 else 0
    if sig:
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        hint = {"SIGXCPU": " (CPU time limit)", "SIGKILL": " (killed; memory or time limit, "
                "or the code killed its runner)"}.get(name, "")
        return f"the code crashed: stopped by {name}{hint}"
    if tail:
        return f"the code crashed: {tail[-1][:250]}"
    return f"the code stopped its runner before all tests ran (exit status {code})"
