"""Runs the production topology (scripts/cluster.py) for the scale-out test and its bench: a
PostgreSQL database of its own, its own Redis key prefix, channel prefix and queue, so that it
shares the machine's services with anything else safely.

No Django here: the test process talks to the cluster only over HTTP, websockets and, for the
final checks, SQL on the cluster's database."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import environ
import psycopg

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/workflow")

SETUP = """
import json, sys
import django
django.setup()
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from definitions.services import definition_publish, definition_save_draft
from engine.access import SYSTEM
doc, users = json.loads(sys.argv[1]), int(sys.argv[2])
User = get_user_model()
tokens = {}
for n in range(users):
    u = User.objects.create(username=f"u{n:02d}")  # token only: no password to hash
    tokens[u.username] = Token.objects.create(user=u).key
staff = User.objects.filter(username="boss").first()
staff = staff or User.objects.create(username="boss", is_staff=True)
tokens["boss"] = Token.objects.get_or_create(user=staff)[0].key
definition_save_draft(doc=doc, user=SYSTEM)
definition_publish(name=doc["name"], user=SYSTEM)
print("TOKENS=" + json.dumps(tokens))
"""


def mixed_net(name: str) -> dict[str, Any]:
    """automatic -> manual (offered to the user in data.who) -> automatic."""
    return {
        "schema_version": 1,
        "name": name,
        "conditions": [{"id": "start", "kind": "start"}, {"id": "end", "kind": "end"}],
        "tasks": [
            {"id": "prepare", "kind": "automatic", "activity": "noop"},
            {"id": "review", "kind": "manual", "assign": {"user": "data.who"}},
            {"id": "archive", "kind": "automatic", "activity": "noop"},
        ],
        "flows": [
            {"from": "start", "to": "prepare"},
            {"from": "prepare", "to": "review"},
            {"from": "review", "to": "archive"},
            {"from": "archive", "to": "end"},
        ],
    }


def auto_net(name: str, steps: int) -> dict[str, Any]:
    """A chain of `steps` automatic tasks."""
    ids = [f"a{n}" for n in range(steps)]
    chain = ["start", *ids, "end"]
    return {
        "schema_version": 1,
        "name": name,
        "conditions": [{"id": "start", "kind": "start"}, {"id": "end", "kind": "end"}],
        "tasks": [{"id": i, "kind": "automatic", "activity": "noop"} for i in ids],
        "flows": [{"from": a, "to": b} for a, b in zip(chain, chain[1:], strict=False)],
    }


def manual_net(name: str) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "name": name,
        "conditions": [{"id": "start", "kind": "start"}, {"id": "end", "kind": "end"}],
        "tasks": [{"id": "review", "kind": "manual", "assign": {"user": "data.who"}}],
        "flows": [{"from": "start", "to": "review"}, {"from": "review", "to": "end"}],
    }


class Running:
    """A started cluster: its state file, environment and database."""

    def __init__(self, run_dir: Path, env: dict[str, str], db_url: str, proc: subprocess.Popen[bytes]) -> None:
        self.run_dir, self.env, self.db_url, self.proc = run_dir, env, db_url, proc
        self.state: dict[str, Any] = json.loads((run_dir / "cluster.json").read_text())

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.state['proxy']['port']}"

    @property
    def ws_base(self) -> str:
        return f"ws://127.0.0.1:{self.state['proxy']['port']}"

    def setup(self, docs: list[dict[str, Any]], users: int) -> dict[str, str]:
        """Users u00.. with API tokens, a staff user "boss", the definitions published."""
        tokens: dict[str, str] = {}
        for n, doc in enumerate(docs):
            out = subprocess.run(
                [sys.executable, "-c", SETUP, json.dumps(doc), str(users if n == 0 else 0)],
                cwd=ROOT,
                env=self.env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            line = next(x for x in out.splitlines() if x.startswith("TOKENS="))
            found = json.loads(line[len("TOKENS=") :])
            if n == 0:
                tokens = found
        return tokens

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        cfg = environ.Env.db_url_config(self.db_url)
        with psycopg.connect(
            host=cfg["HOST"] or None,
            port=cfg["PORT"] or None,
            user=cfg["USER"] or None,
            password=cfg["PASSWORD"] or None,
            dbname=cfg["NAME"],
        ) as conn:
            return list(conn.execute(query, params).fetchall())

    def kill(self, kind: str, n: int = 0) -> dict[str, Any]:
        """SIGKILL a web process or a whole worker (its pool processes too)."""
        entry = self.state[kind][n]
        os.killpg(entry["pid"], signal.SIGKILL)
        return entry


def http(method: str, url: str, token: str, body: Any = None, timeout: float = 30.0) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Authorization", f"Token {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:  # noqa: S310 - our own loopback URL
            raw = r.read()
            return r.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw)
        except ValueError:
            return exc.code, raw.decode(errors="replace")


@contextmanager
def cluster(
    tmp: Path, *, web: int, workers: int, concurrency: int = 1, extra_env: dict[str, str] | None = None
) -> Iterator[Running]:
    tag = f"so{os.getpid()}x{uuid.uuid4().hex[:6]}"
    cfg = environ.Env.db_url_config(PG_URL)
    cfg_name = f"test_{tag}"
    db_url = PG_URL.rsplit("/", 1)[0] + "/" + cfg_name
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_")) and k != "TEST_DATABASE_NAME"
    }
    env.update(
        DATABASE_URL=db_url,
        REDIS_KEY_PREFIX=tag,
        CHANNEL_PREFIX=tag,
        WORKFLOW_QUEUE=tag,
        DJANGO_SETTINGS_MODULE="config.settings",
        WORKFLOW_HEARTBEAT_KEY=f"{tag}:workers",
        METRICS_TOKEN="scrape",
        LOG_LEVEL="WARNING",
    )
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    env.update(extra_env or {})
    run_dir = tmp / tag
    run_dir.mkdir(parents=True)
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "scripts" / "cluster.py"),
            "--web",
            str(web),
            "--workers",
            str(workers),
            "--concurrency",
            str(concurrency),
            "--run-dir",
            str(run_dir),
            "--stop-timeout",
            "15",
        ],
        cwd=ROOT,
        env=env,
        stdout=open(run_dir / "cluster.out", "wb"),  # noqa: SIM115 - the child keeps it
        stderr=subprocess.STDOUT,  # noqa: SIM115
    )
    try:
        deadline = time.monotonic() + 120
        state = run_dir / "cluster.json"
        while not (state.exists() and json.loads(state.read_text()).get("ready")):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the cluster did not start: {(run_dir / 'cluster.out').read_text()[-3000:]}")
            time.sleep(0.2)
        yield Running(run_dir, env, db_url, proc)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        _drop_database(cfg, cfg_name)


def _drop_database(cfg: dict[str, Any], name: str) -> None:
    with psycopg.connect(
        host=cfg["HOST"] or None,
        port=cfg["PORT"] or None,
        user=cfg["USER"] or None,
        password=cfg["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
