"""The simulation worker process: its loop, and its death with the server.

Kept free of heavy imports (only the standard library at the top) so that a
freshly spawned worker arms its parent-death signal within a fraction of a second
of starting, before it imports FastAPI, numba or the model: a server killed
while its workers were still starting must not leave them running. The job
function arrives as a reference (module, qualified name) and is imported after
that.

A worker dies with the server in two ways: the kernel's parent-death signal
(``PR_SET_PDEATHSIG`` = SIGKILL, Linux), which also ends a worker busy in a numba
kernel that holds the GIL, and a thread that polls the parent's pid every
`PARENT_POLL_S` (other systems).
"""

from __future__ import annotations

import ctypes
import importlib
import os
import signal
import sys
import threading
import time
import traceback

#: seconds between a worker's checks that its parent (the server) is alive
PARENT_POLL_S = 0.25
PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """End this process when `parent_pid` ends (see the module docstring)."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(PARENT_POLL_S)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def function_ref(fn) -> tuple[str, str]:
    """(module, qualified name) of a module-level function, to send to a worker."""
    return fn.__module__, fn.__qualname__


def resolve(ref: tuple[str, str]):
    """The function named by `function_ref`."""
    module, name = ref
    target = importlib.import_module(module)
    for part in name.split("."):
        target = getattr(target, part)
    return target


def worker_main(conn, job_ref: tuple[str, str], parent_pid: int | None = None) -> None:
    """Worker loop: arm the parent-death signal, import the job function, say "ready",
    then answer each (job id, payload, ref) with ("ok", result) or ("error", text,
    traceback), after any number of ("progress", fraction) messages from
    `fn(payload, progress)`: `fn` is `job_fn`, or the function `ref` names when it is
    not None (the server's own functions, never a request's)."""
    if parent_pid is not None:
        die_with_parent(parent_pid)
    job_fn = resolve(job_ref)
    if job_ref == ("resurfacer.web.jobs", "simulate_plan"):
        import resurfacer.treatment  # noqa: F401 - warm up (numba caches) before the first job
    try:
        conn.send(("ready",))
    except (OSError, ValueError):
        return
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        _, payload, ref = message
        answer: tuple[object, ...]  # ("ok", result) or ("error", message, traceback)
        try:
            fn = job_fn if ref is None else resolve(ref)
            answer = ("ok", fn(payload, lambda fraction: conn.send(("progress", fraction))))
        except Exception as exc:  # noqa: BLE001 - every failure is reported to the user
            text = str(exc) or type(exc).__name__
            answer = ("error", f"{type(exc).__name__}: {text}", traceback.format_exc(limit=5))
        try:
            conn.send(answer)
        except (OSError, ValueError):
            return
