"""The program that runs inside the sandbox, around the candidate's code.

It uses the standard library only and never imports `coach`: the sandbox runs it as
`python -I -c <this file's text>`, where the coach's files cannot be seen. It reads a spec
(JSON) on standard input, then writes one JSON line per test to a dedicated file
descriptor: the value the candidate's function returned (or the rows the query returned),
or the error it raised. It never sees the expected values: the coach compares, so nothing
the candidate prints, patches or forges can pass a test it did not solve.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import sys
from collections.abc import Callable
from typing import Any

Send = Callable[..., None]

MAX_LINE = 1_000_000
"""A result larger than this (in JSON characters) counts as an error, not a value."""


def plain(value: Any, depth: int = 0) -> Any:
    """The value as JSON data: NumPy and torch values through tolist(), tuples as lists."""
    if depth > 40:
        raise ValueError("the result is nested too deeply to compare")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    tolist = getattr(value, "tolist", None)
    if callable(tolist) and not isinstance(value, (list, tuple, dict)):
        if hasattr(value, "detach"):  # a torch tensor that may require grad
            value = value.detach()
            tolist = value.tolist
        return plain(tolist(), depth + 1)
    if isinstance(value, (list, tuple)):
        return [plain(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v, depth + 1) for k, v in value.items()}
    raise TypeError(f"returned a {type(value).__name__}, which is not a plain value "
                    "(number, string, list, dict, array or tensor)")


# --- isolation when the sandbox is util-linux `unshare` (bubblewrap does this itself) ---------

_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_REMOUNT, _MS_BIND, _MS_MOVE, _MS_REC, _MS_PRIVATE = 32, 4096, 8192, 16384, 1 << 18


def private_root(binds: list[str], hide: list[str]) -> None:
    """Build a new root holding only `binds` (read-only), a tmpfs /tmp, /proc and a few
    devices; cover `hide` with empty tmpfs; move it over /; drop every capability."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)

    def mount(src: str | None, dst: str, fstype: str | None, flags: int,
              data: str | None = None) -> None:
        enc = [s.encode() if s is not None else None for s in (src, dst, fstype, data)]
        if libc.mount(enc[0], enc[1], enc[2], ctypes.c_ulong(flags), enc[3]) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"mount {dst}: {os.strerror(err)}")

    mount(None, "/", None, _MS_REC | _MS_PRIVATE)
    # No user namespace inside this one: the code cannot regain capabilities in a new one.
    with contextlib.suppress(OSError), open("/proc/sys/user/max_user_namespaces", "w") as userns:
        userns.write("0")
    base = next(d for d in ("/mnt", "/media", "/srv", "/opt", "/var/tmp", "/tmp")
                if os.path.isdir(d) and not any(b == d or b.startswith(d + "/") for b in binds))
    mount("tmpfs", base, "tmpfs", _MS_NOSUID | _MS_NODEV, "size=64m,mode=0755")
    # The private /tmp first: a bound folder inside /tmp (a clone or virtualenv there) then
    # sits on top of it instead of being covered by it.
    for name in ("tmp", "proc"):
        os.makedirs(f"{base}/{name}", exist_ok=True)
    mount("tmpfs", base + "/tmp", "tmpfs", _MS_NOSUID | _MS_NODEV, "size=256m,mode=1777")
    for src in binds:
        dst = base + src
        if os.path.islink(src):
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            if not os.path.lexists(dst):
                os.symlink(os.readlink(src), dst)
            continue
        if os.path.isdir(src):
            os.makedirs(dst, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            open(dst, "a").close()
        mount(src, dst, None, _MS_BIND | _MS_REC)
        st = os.statvfs(src)
        keep = sum(ms for flag, ms in ((os.ST_NOSUID, _MS_NOSUID), (os.ST_NODEV, _MS_NODEV),
                                       (os.ST_NOEXEC, _MS_NOEXEC)) if st.f_flag & flag)
        if not src.startswith("/dev/"):
            mount(None, dst, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | keep)
    for path in hide:
        if os.path.isdir(base + path):
            mount("tmpfs", base + path, "tmpfs", _MS_NOSUID | _MS_NODEV, "size=1m")
    mount("proc", base + "/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)
    os.chdir(base)
    mount(base, "/", None, _MS_MOVE)
    if libc.chroot(b".") != 0:
        raise OSError(ctypes.get_errno(), "chroot")
    os.chdir("/tmp")
    # No capability survives: the candidate cannot unmount the new root to see the old one.
    pr_set_no_new_privs, pr_capbset_drop, pr_cap_ambient = 38, 24, 47
    libc.prctl(pr_set_no_new_privs, 1, 0, 0, 0)
    libc.prctl(pr_cap_ambient, 4, 0, 0, 0)  # PR_CAP_AMBIENT_CLEAR_ALL
    for cap in range(64):
        libc.prctl(pr_capbset_drop, cap, 0, 0, 0)
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)
    data = (ctypes.c_uint32 * 6)()
    if libc.capset(header, data) != 0:
        raise OSError(ctypes.get_errno(), "capset")


# --- the run ------------------------------------------------------------------------------


def set_limits(spec: dict[str, Any]) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    for name, key in (("RLIMIT_AS", "memory_bytes"), ("RLIMIT_NPROC", "max_processes"),
                      ("RLIMIT_FSIZE", "max_file_bytes"), ("RLIMIT_NOFILE", "max_open_files")):
        value = int(spec[key])
        if value > 0 and hasattr(resource, name):
            resource.setrlimit(getattr(resource, name), (value, value))


def main() -> None:
    spec = json.loads(sys.stdin.buffer.read())
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    fd = int(spec["fd"])
    os.set_inheritable(fd, False)  # programs the candidate starts do not get it
    write, nonce, dumps = os.write, spec["nonce"], json.dumps

    def send(**fields: Any) -> None:
        fields["nonce"] = nonce
        try:
            line = dumps(fields)
        except (TypeError, ValueError) as exc:
            line = dumps({"nonce": nonce, "i": fields.get("i"), "error": str(exc)[:300]})
        if len(line) > MAX_LINE:
            line = dumps({"nonce": nonce, "i": fields.get("i"),
                          "error": "the result is too large to compare"})
        data = (line + "\n").encode()
        while data:
            data = data[write(fd, data):]

    if spec.get("private_root"):
        private_root(spec["private_root"]["binds"], spec["private_root"]["hide"])
    set_limits(spec)
    preload(spec)
    # The CPU limit counts from here: what the preload used is not the candidate's.
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = int(usage.ru_utime + usage.ru_stime) + int(spec["cpu_seconds"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    send(ready=True)
    if spec["language"] == "sql":
        run_sql(spec, send)
    else:
        run_python(spec, send)
    send(done=True)


def preload(spec: dict[str, Any]) -> None:
    """Import the heavy libraries the code uses (NumPy, torch) before it runs, so their
    import time (seconds for torch) does not count against the time limit of the tests."""
    import re

    if spec["language"] != "python":
        return
    for name in ("numpy", "torch", "pandas"):
        if re.search(rf"^\s*(import|from)\s+{name}\b", spec["code"], re.MULTILINE):
            with contextlib.suppress(Exception):  # the candidate's own import reports it
                __import__(name)


def run_python(spec: dict[str, Any], send: Send) -> None:
    try:
        code = compile(spec["code"], "answer.py", "exec")
    except SyntaxError as exc:
        send(load_error=f"line {exc.lineno}: {exc.msg}", syntax=True)
        return
    namespace: dict[str, Any] = {"__name__": "candidate"}
    try:
        exec(code, namespace)
        fn = namespace.get(spec["entry"])
        if not callable(fn):
            raise NameError(f"no function named {spec['entry']}")
    except BaseException as exc:
        send(load_error=f"{type(exc).__name__}: {exc}"[:300])
        return
    for i, args in enumerate(spec["args"]):
        try:
            send(i=i, value=plain(fn(*json.loads(args))))
        except BaseException as exc:
            send(i=i, error=f"{type(exc).__name__}: {exc}"[:300])


def run_sql(spec: dict[str, Any], send: Send) -> None:
    import sqlite3

    query = spec["code"]
    denied = {sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH}

    def authorizer(action: int, *_: Any) -> int:
        return sqlite3.SQLITE_DENY if action in denied else sqlite3.SQLITE_OK

    def database(setup: str) -> sqlite3.Connection:
        con = sqlite3.connect(":memory:")
        con.executescript(spec["schema"])
        if setup:
            con.executescript(setup)
        con.set_authorizer(authorizer)
        return con

    try:
        database("").execute("EXPLAIN " + query)
    except sqlite3.Error as exc:
        text = str(exc)
        syntax = "syntax error" in text or "incomplete input" in text
        send(load_error=f"{type(exc).__name__}: {text}"[:300], syntax=syntax)
        return
    for i, setup in enumerate(spec["setups"]):
        try:
            cursor = database(setup).execute(query)
            rows = cursor.fetchmany(10_001)
            if len(rows) > 10_000:
                raise ValueError("the query returned more than 10,000 rows")
            send(i=i, value=plain([list(r) for r in rows]))
        except BaseException as exc:
            send(i=i, error=f"{type(exc).__name__}: {exc}"[:300])


if __name__ == "__main__":
    main()
