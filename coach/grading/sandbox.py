"""Run candidate code against a question's tests in a separate, limited process."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from coach.grading.models import CodeResult, TestOutcome
from coach.knowledge.models import CodingQuestion

_RUNNER = r'''
import json, math, resource, socket, sys
limit = int(sys.argv[2]) * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
resource.setrlimit(resource.RLIMIT_CPU, (int(sys.argv[3]), int(sys.argv[3]) + 1))
resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
def _no_network(*args, **kwargs):
    raise OSError("network access is disabled in the coach sandbox")
socket.socket = _no_network
socket.create_connection = _no_network
socket.getaddrinfo = _no_network

def close(got, want, tol):
    if isinstance(want, bool) or want is None or isinstance(want, str):
        return got == want
    if isinstance(want, (int, float)) and not isinstance(got, (list, tuple, dict, str)):
        try:
            g = float(got)
        except Exception:
            return False
        if tol is None:
            return g == want
        return math.isfinite(g) and abs(g - want) <= tol
    if isinstance(want, list):
        if hasattr(got, "tolist"):
            got = got.tolist()
        return isinstance(got, (list, tuple)) and len(got) == len(want) and all(
            close(g, w, tol) for g, w in zip(got, want))
    if isinstance(want, dict):
        return isinstance(got, dict) and set(map(str, got)) == set(want) and all(
            close(got[k] if k in got else got[type(next(iter(got)))(k)], want[k], tol)
            for k in want)
    return got == want

spec = json.loads(open(sys.argv[1], encoding="utf-8").read())
results = []
namespace = {"__name__": "candidate"}
try:
    exec(compile(spec["code"], "answer.py", "exec"), namespace)
    fn = namespace.get(spec["entry"])
    if not callable(fn):
        raise NameError(f"no function named {spec['entry']}")
except BaseException as exc:
    print(json.dumps({"load_error": f"{type(exc).__name__}: {exc}"[:300]}))
    sys.exit(0)
for test in spec["tests"]:
    try:
        got = fn(*json.loads(json.dumps(test["args"])))
        ok = close(got, test["expected"], test.get("tolerance"))
        msg = "" if ok else f"expected {test['expected']!r}, got {got!r}"[:300]
    except BaseException as exc:
        ok, msg = False, f"{type(exc).__name__}: {exc}"[:300]
    results.append({"name": test["name"], "passed": ok, "message": msg})
print(json.dumps({"results": results}))
'''


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
                    ast.parse(candidate)
                except SyntaxError:
                    continue
                return candidate
            return "\n".join(tail)
    return answer


def run_tests(question: CodingQuestion, answer: str, *, timeout: float = 5.0,
              memory_mb: int = 512) -> CodeResult:
    """Parse, then run the candidate's function against every test of the question."""
    code = extract_code(answer)
    try:
        ast.parse(code)
    except SyntaxError as exc:
        return CodeResult(parsed=False, error=f"line {exc.lineno}: {exc.msg}",
                          total=len(question.tests))
    folder = Path(tempfile.mkdtemp(prefix="coach-sandbox-"))
    start = time.perf_counter()
    try:
        spec = folder / "spec.json"
        spec.write_text(json.dumps({"code": code, "entry": question.entry_point,
                                    "tests": [t.model_dump() for t in question.tests]}))
        (folder / "runner.py").write_text(_RUNNER)
        env = {"PATH": os.environ.get("PATH", "/usr/bin"), "PYTHONDONTWRITEBYTECODE": "1",
               "PYTHONHASHSEED": "0", "HOME": str(folder), "OMP_NUM_THREADS": "1",
               "OPENBLAS_NUM_THREADS": "1", "no_proxy": "*"}
        cmd = [sys.executable, "-I", "-S", str(folder / "runner.py"), str(spec),
               str(memory_mb), str(int(timeout) + 1)]
        if "numpy" in code:
            cmd.remove("-S")  # NumPy lives in site-packages
        try:
            proc = subprocess.run(cmd, cwd=folder, env=env, capture_output=True, text=True,
                                  timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return CodeResult(parsed=True, error=f"timed out after {timeout:.0f} s",
                              timed_out=True, total=len(question.tests),
                              seconds=time.perf_counter() - start)
        seconds = time.perf_counter() - start
        try:
            out = json.loads(proc.stdout.strip().splitlines()[-1])
        except (json.JSONDecodeError, IndexError):
            tail = (proc.stderr.strip().splitlines() or ["no output"])[-1][:300]
            return CodeResult(parsed=True, error=f"the code crashed: {tail}",
                              total=len(question.tests), seconds=seconds)
        if "load_error" in out:
            return CodeResult(parsed=True, error=out["load_error"], total=len(question.tests),
                              seconds=seconds)
        tests = [TestOutcome(**r) for r in out["results"]]
        return CodeResult(parsed=True, passed=sum(t.passed for t in tests), total=len(tests),
                          tests=tests, seconds=seconds)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
