"""Start the production topology on one machine (issue 16; docs/deploy/README.md):

    HAProxy (Debian's package) on --port, balancing HTTP and websockets over
    N Daphne processes (--web), M Celery worker processes (--workers), one Celery beat,
    on the PostgreSQL at DATABASE_URL and the Redis at REDIS_URL (the broker: CELERY_BROKER_URL,
    Redis by default, or RabbitMQ: amqp://...).

It migrates the database, starts everything, waits until every web process answers /healthz,
every worker is ready and the proxy answers, prints where it listens, and keeps running until
Ctrl-C / SIGTERM (or --for SECONDS): then it stops the proxy last, after a graceful stop of the
web processes (their websockets are closed: clients reconnect through the proxy) and of the
workers (warm shutdown: running batches finish, unacknowledged messages go back to the queue).

While it runs, RUN_DIR/cluster.json names every process (pid, port, log file): the scale-out
test kills from it. Production settings are set for the children: DEBUG off, a secret key,
ALLOWED_HOSTS, JSON logs, metrics in multi-process mode (RUN_DIR/metrics).

    python scripts/cluster.py --web 2 --workers 3 --port 8080
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

HAPROXY_CFG = """\
global
    maxconn 4096
    log stdout format raw local0 info

defaults
    mode http
    log global
    option httplog
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    # an open websocket is a tunnel: kept for an hour without traffic
    timeout tunnel 1h
    timeout http-keep-alive 5s
    # a connection refused by a dead web process is tried on another one, at once; a request
    # that reached a process which then died is not (a POST may have committed: the client decides)
    retries 3
    option redispatch 1
    retry-on conn-failure
    option forwardfor

frontend public
    bind {bind}:{port}
    # metrics are scraped from each web process directly, never through the public entry
    http-request deny deny_status 404 if {{ path_beg /metrics }}
    default_backend web

backend web
    balance leastconn
    option httpchk
    http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host localhost
    http-check expect status 200
    # which web process answered (the scale-out test checks that websockets spread over them)
    http-response set-header X-Served-By %s
    # a refused connection (a dead process) marks a server down at the next check; a slow answer
    # (a busy process) needs three misses in a row, so load alone does not take it out
    timeout check 5s
    default-server inter {check_ms}ms fall 3 rise 1
{servers}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def log(message: str) -> None:
    print(f"cluster: {message}", flush=True)


def http_ok(url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310 - our own loopback URL
            return r.status == 200
    except OSError:
        return False


class Cluster:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.run_dir = Path(args.run_dir).resolve()
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.state: dict[str, Any] = {"web": [], "workers": [], "ready": False}
        self.env = self._env()

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        metrics = self.run_dir / "metrics"
        shutil.rmtree(metrics, ignore_errors=True)
        metrics.mkdir(parents=True, exist_ok=True)
        env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        env.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/workflow_cluster")
        env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
        env.setdefault("WORKFLOW_RUNNER", "celery")
        env.setdefault("DEBUG", "false")
        env.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
        env.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
        env.setdefault("LOG_FORMAT", "json")
        env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        return env

    # ------------------------------------------------------------------ processes

    def start(self, name: str, cmd: list[str], **extra_env: str) -> subprocess.Popen[bytes]:
        logfile = open(self.run_dir / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env={**self.env, **extra_env},
            stdout=logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs[name] = proc
        return proc

    def save_state(self) -> None:
        tmp = self.run_dir / "cluster.json.tmp"
        tmp.write_text(json.dumps(self.state, indent=2))
        tmp.replace(self.run_dir / "cluster.json")

    def up(self) -> None:
        a = self.args
        self.run_dir.mkdir(parents=True, exist_ok=True)
        (self.run_dir / "cluster.json").unlink(missing_ok=True)
        self.create_database()
        log("migrating the database")
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=self.env, check=True
        )
        if a.seed:
            subprocess.run([sys.executable, "manage.py", "seed_demo"], cwd=ROOT, env=self.env, check=True)
        for n in range(a.web):
            self.start_web(n)
        for n in range(a.workers):
            self.start_worker(n)
        beat = self.start(
            "beat",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                "-l",
                "warning",
                "-s",
                str(self.run_dir / "beat-schedule"),
            ],
        )
        self.state["beat"] = {"pid": beat.pid}
        self.wait_ready()
        self.start_proxy()
        self.state["ready"] = True
        self.save_state()
        log(f"ready: http://{a.bind}:{self.state['proxy']['port']}/ ({a.web} web, {a.workers} workers, 1 beat)")

    def create_database(self) -> None:
        url = self.env["DATABASE_URL"]
        if not url.startswith(("postgres://", "postgresql://")):
            return
        import environ
        import psycopg

        cfg = environ.Env.db_url_config(url)
        with psycopg.connect(
            host=cfg["HOST"] or None,
            port=cfg["PORT"] or None,
            user=cfg["USER"] or None,
            password=cfg["PASSWORD"] or None,
            dbname="postgres",
            autocommit=True,
            connect_timeout=5,
        ) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (cfg["NAME"],)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{cfg["NAME"]}"')

    def start_web(self, n: int) -> dict[str, Any]:
        port = free_port()
        name = f"web{n + 1}"
        proc = self.start(
            name,
            [
                sys.executable,
                "-m",
                "ops.serve",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "--application-close-timeout",
                "5",
                # many clients reconnecting at once (their web process died) queue their
                # handshakes' database work: let them wait instead of failing and retrying
                "--websocket_connect_timeout",
                "30",
                "--proxy-headers",
                "config.asgi:application",
            ],
            # Daphne runs sync code on many threads (each websocket consumer's database calls
            # too), each with its own connection: kept connections would multiply by threads x
            # processes and exhaust PostgreSQL's max_connections. Workers keep theirs.
            CONN_MAX_AGE=self.env.get("WEB_CONN_MAX_AGE", "0"),
        )
        entry = {"name": name, "pid": proc.pid, "port": port, "log": str(self.run_dir / f"{name}.log")}
        self.state["web"].append(entry)
        return entry

    def start_worker(self, n: int) -> dict[str, Any]:
        name = f"worker{n + 1}"
        ready = self.run_dir / f"{name}.ready"
        ready.unlink(missing_ok=True)
        proc = self.start(
            name,
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-l",
                "warning",
                "-Q",
                self.env.get("WORKFLOW_QUEUE", "workflow"),
                "-c",
                str(self.args.concurrency),
                "-n",
                f"{name}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
            WORKER_READY_FILE=str(ready),
        )
        entry = {"name": name, "pid": proc.pid, "ready_file": str(ready), "log": str(self.run_dir / f"{name}.log")}
        self.state["workers"].append(entry)
        return entry

    def start_proxy(self) -> None:
        a = self.args
        port = a.port or free_port()
        servers = "\n".join(f"    server {w['name']} 127.0.0.1:{w['port']} check" for w in self.state["web"])
        cfg = self.run_dir / "haproxy.cfg"
        cfg.write_text(HAPROXY_CFG.format(bind=a.bind, port=port, servers=servers, check_ms=a.check_ms))
        haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
        proc = self.start("proxy", [haproxy, "-db", "-f", str(cfg)])
        self.state["proxy"] = {"pid": proc.pid, "port": port, "config": str(cfg)}
        self.wait(lambda: http_ok(f"http://127.0.0.1:{port}/healthz"), "the proxy", proc)

    def wait(self, ok: Any, what: str, proc: subprocess.Popen[bytes] | None = None, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while not ok():
            if proc is not None and proc.poll() is not None:
                raise SystemExit(f"cluster: {what} exited with {proc.returncode} (see {self.run_dir})")
            if time.monotonic() > deadline:
                raise SystemExit(f"cluster: {what} not ready after {timeout:g} s (see {self.run_dir})")
            time.sleep(0.1)

    def wait_ready(self) -> None:
        for w in self.state["web"]:
            self.wait(lambda w=w: http_ok(f"http://127.0.0.1:{w['port']}/healthz"), w["name"], self.procs[w["name"]])
        for w in self.state["workers"]:
            self.wait(lambda w=w: Path(w["ready_file"]).exists(), w["name"], self.procs[w["name"]])

    # ------------------------------------------------------------------ stopping

    def down(self) -> None:
        """Web processes and workers first (gracefully, in parallel), then beat, the proxy last."""
        order = [[n for n in self.procs if n.startswith(("web", "worker"))], ["beat"], ["proxy"]]
        for names in order:
            live = [self.procs[n] for n in names if n in self.procs and self.procs[n].poll() is None]
            for p in live:
                p.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + self.args.stop_timeout
            for p in live:
                try:
                    p.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait()
        self.state["ready"] = False
        self.save_state()
        log("stopped")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--web", type=int, default=int(os.environ.get("CLUSTER_WEB", "2")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("CLUSTER_WORKERS", "2")))
    parser.add_argument("--concurrency", type=int, default=1, help="pool processes per worker")
    parser.add_argument("--port", type=int, default=int(os.environ.get("CLUSTER_PORT", "0")), help="0: a free one")
    parser.add_argument("--bind", default=os.environ.get("CLUSTER_BIND", "127.0.0.1"))
    parser.add_argument("--run-dir", default=os.environ.get("CLUSTER_DIR", str(ROOT / "var" / "cluster")))
    parser.add_argument("--check-ms", type=int, default=500, help="the proxy's health check interval")
    parser.add_argument("--stop-timeout", type=float, default=30.0)
    parser.add_argument("--seed", action="store_true", help="load the demo users and workflows")
    parser.add_argument("--for", dest="duration", type=float, default=0.0, help="stop after this many seconds")
    args = parser.parse_args()

    cluster = Cluster(args)
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        cluster.up()
        until = time.monotonic() + args.duration if args.duration else None
        while not stopping and (until is None or time.monotonic() < until):
            time.sleep(0.2)
            if cluster.procs["proxy"].poll() is not None:
                log("the proxy exited")
                break
    finally:
        cluster.down()
    return 0


if __name__ == "__main__":
    sys.exit(main())
