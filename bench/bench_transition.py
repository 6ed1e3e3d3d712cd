"""A manual step through the product against a bare Django ORM loop, in the same run.

    python bench/bench_transition.py                      # PostgreSQL and SQLite, 1 and 2 processes
    python bench/bench_transition.py --db postgres --procs 1 --rounds 7
    python bench/bench_transition.py --contenders bare,claim_complete_push100

What it compares, per database and number of processes, interleaved round by round (every
contender once per round, in the same order: A B C ... A B C ...), so that a change in the
machine's load hits all of them alike:

* ``bare``: a bare Django ORM loop doing the minimum honest work of a step, on tables of its own
  (created by this script: ``bench_bare_case``, ``bench_bare_task``, ``bench_bare_event``): one
  transaction that locks the case row (`select_for_update`), updates the task row, inserts the
  next task row and inserts one event row. ``bare_two``: the same as two transactions, as a
  claim then a completion make it (the claim locks the case, updates the task and inserts an
  event; then the step above): the least two calls can do, each commit waiting for the disk.
* the product's manual step on a 10-task sequence of manual tasks offered to a role, through the
  Python services (no HTTP), by a user in that role:

  - ``claim_complete_*``: `services.work_item_claim` then `services.work_item_complete`;
  - ``complete_*``: `services.work_item_complete` alone on the offered item (it claims and
    starts it in the same transaction);
  - ``claim_start_complete_*``: claim, `work_item_start`, complete (three calls);

  with pushes off (``_nopush``: `WORKFLOW_PUSH` off), on with nobody listening (``_push0``: the
  items are offered to a role no socket has joined; the messages still go to Redis), and on with
  100 websocket clients of that role connected to one Daphne process (``_push100``). Pushes are
  switched per contender inside the same processes (the setting is read at each commit).

Each contender runs `--cases` cases of 10 steps per process per round; the cases are started
before the timing and the query that finds a case's next open item is outside it (the bare
loop gets its next task's id from its own insert). With 2 processes both run at once (a
barrier starts them together); the rate is the sum of each process's steps over its own timed
time. Printed per contender: the median steps/s over the rounds, the min-max, the ratio to the
bare loop's median and the min-max of the per-round ratios; then, from one untimed case,
statements, commits (transactions) and Redis publishes (push bus messages, ADR 0092) per step,
and statements per transaction. With 100 clients it also prints the push latency: arrival at a
client (when the frame's bytes reach the client's process) minus the item's `updated_at`
(stamped inside the transaction just before the commit, so it slightly overstates commit ->
arrival), p50 / p95 / max over every arrival of the paced steps, and the Daphne's CPU per
1,000 client messages. `BENCH_DAPHNE_PROFILE=FILE` / `BENCH_CLIENTS_PROFILE=FILE` run the
Daphne / the clients' process under cProfile.

Settings: DEBUG off, `WORKFLOW_RUNNER=manual`, a throw-away database (a temp SQLite file, or
`workflow_bench_transition` on the PostgreSQL at 127.0.0.1:5432, dropped and created), Redis at
REDIS_URL (default redis://127.0.0.1:6379/0) with a channel prefix of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import multiprocessing as mp
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from itertools import pairwise
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# BENCH_TREE: the product's code from another tree (e.g. main, for a before/after run)
CODE = Path(os.environ.get("BENCH_TREE") or ROOT).resolve()
sys.path.insert(0, str(CODE))
PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/workflow_bench_transition")
STEPS = 10
WATCHED, UNWATCHED = "watchers", "nobody-listens"
SUBSCRIBERS = 100
ALL_CONTENDERS = (
    "bare",
    "bare_two",
    "claim_complete_nopush",
    "claim_complete_push0",
    "claim_complete_push100",
    "complete_nopush",
    "complete_push0",
    "complete_push100",
    "claim_start_complete_nopush",
    "claim_start_complete_push0",
    "claim_start_complete_push100",
)
DEFAULT_CONTENDERS = (
    "bare",
    "claim_complete_nopush",
    "claim_complete_push0",
    "claim_complete_push100",
    "complete_push100",
    "claim_start_complete_push100",
)


def sequence_net(name: str, role: str) -> dict[str, Any]:
    tasks = [{"id": f"t{i:02d}", "kind": "manual", "assign": {"role": role}} for i in range(STEPS)]
    nodes = ["start", *[t["id"] for t in tasks], "end"]
    return {
        "schema_version": 1,
        "name": name,
        "conditions": [{"id": "start", "kind": "start"}, {"id": "end", "kind": "end"}],
        "tasks": tasks,
        "flows": [{"from": a, "to": b} for a, b in pairwise(nodes)],
    }


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------- inside Django


def setup_django(env: dict[str, str]) -> None:
    # Celery's Django fix-up puts the working directory first on sys.path: make it the tree measured
    os.chdir(CODE)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def bare_models() -> tuple[Any, Any, Any]:
    """The bare loop's own three tables (defined here, created by `prepare`)."""
    from django.apps import apps
    from django.db import models

    if apps.all_models["bench_bare"]:
        m = apps.all_models["bench_bare"]
        return m["barecase"], m["baretask"], m["bareevent"]

    class BareCase(models.Model):
        state = models.CharField(max_length=20, default="running")
        updated_at = models.DateTimeField()

        class Meta:
            app_label = "bench_bare"
            db_table = "bench_bare_case"

    class BareTask(models.Model):
        case = models.ForeignKey(BareCase, on_delete=models.CASCADE)
        step = models.IntegerField()
        state = models.CharField(max_length=20, default="offered")
        done_by = models.CharField(max_length=150, null=True)
        updated_at = models.DateTimeField()

        class Meta:
            app_label = "bench_bare"
            db_table = "bench_bare_task"

    class BareEvent(models.Model):
        case = models.ForeignKey(BareCase, on_delete=models.CASCADE)
        task = models.ForeignKey(BareTask, on_delete=models.CASCADE)
        type = models.CharField(max_length=50)
        actor = models.CharField(max_length=150)
        created_at = models.DateTimeField()

        class Meta:
            app_label = "bench_bare"
            db_table = "bench_bare_event"

    return BareCase, BareTask, BareEvent


def prepare(db_url: str, clients: int, procs: int) -> list[str]:
    """Fresh database: migrate, the bare tables, the two nets, the acting users, the clients'
    users (with tokens). Returns the clients' tokens."""
    env = base_env(db_url)
    if db_url.startswith("postgres"):
        import environ
        import psycopg

        cfg = environ.Env.db_url_config(db_url)
        with psycopg.connect(
            host=cfg["HOST"], port=cfg["PORT"] or 5432, user=cfg["USER"], dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{cfg["NAME"]}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{cfg["NAME"]}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input"],
        cwd=CODE,
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, **env},
    )
    code = f"import bench_transition as b, json; print('TOKENS ' + json.dumps(b._seed({clients}, {procs})))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT / "bench",
        env={**os.environ, **env, "PYTHONPATH": str(CODE)},
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    return json.loads(next(ln for ln in out.splitlines() if ln.startswith("TOKENS "))[7:])


def _seed(clients: int, procs: int) -> list[str]:
    setup_django({})
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from definitions.services import definition_publish, definition_save_draft
    from engine.access import SYSTEM

    with connection.schema_editor() as editor:
        for model in bare_models():
            editor.create_model(model)
    for name, role in (("bench-watched", WATCHED), ("bench-unwatched", UNWATCHED)):
        doc = sequence_net(name, role)
        definition_save_draft(doc=doc, user=SYSTEM)
        definition_publish(name=name, user=SYSTEM)
    watched = Group.objects.create(name=WATCHED)
    unwatched = Group.objects.create(name=UNWATCHED)
    for p in range(procs):
        actor = User.objects.create_user(username=f"actor{p}", password="x")
        actor.groups.add(watched, unwatched)
    tokens = []
    password = make_password("x")  # hashed once: 100 hashes would take the seed ~20 s
    for i in range(clients):
        user = User.objects.create(username=f"watcher{i:03d}", password=password)
        user.groups.add(watched)
        tokens.append(Token.objects.create(user=user).key)
    return tokens


def base_env(db_url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": db_url,
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "WORKFLOW_RUNNER": "manual",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }


class Driver:
    """One process's contenders (runs inside a child process with Django set up)."""

    def __init__(self, proc: int, cases: int):
        from django.contrib.auth.models import User

        self.proc = proc
        self.cases = cases
        self.username = f"actor{proc}"
        self.User = User
        self.BareCase, self.BareTask, self.BareEvent = bare_models()

    # -- bare
    def bare_cases(self) -> list[tuple[int, int]]:
        from django.utils import timezone

        out = []
        for _ in range(self.cases):
            now = timezone.now()
            case = self.BareCase.objects.create(updated_at=now)
            task = self.BareTask.objects.create(case=case, step=1, updated_at=now)
            out.append((case.pk, task.pk))
        return out

    def bare_run(self, cases: list[tuple[int, int]], two: bool = False) -> float:
        """The bare loop; `two`: the step as two transactions, a claim (lock the case, update the
        task, insert an event) then the completion, the least two calls can do."""
        from django.db import transaction
        from django.utils import timezone

        BareCase, BareTask, BareEvent = self.BareCase, self.BareTask, self.BareEvent
        user = self.username
        spent = 0.0
        for case_id, task_id in cases:
            for step in range(1, STEPS + 1):
                t0 = time.perf_counter()
                if two:  # the claim: its own transaction, as a first call makes it
                    with transaction.atomic():
                        now = timezone.now()
                        BareCase.objects.select_for_update().filter(pk=case_id).values_list("pk").get()
                        BareTask.objects.filter(pk=task_id, state="offered").update(
                            state="claimed", done_by=user, updated_at=now
                        )
                        BareEvent.objects.create(
                            case_id=case_id, task_id=task_id, type="task.claimed", actor=user, created_at=now
                        )
                with transaction.atomic():
                    now = timezone.now()
                    BareCase.objects.select_for_update().filter(pk=case_id).values_list("pk").get()
                    BareTask.objects.filter(pk=task_id, state="claimed" if two else "offered").update(
                        state="done", done_by=user, updated_at=now
                    )
                    done_id = task_id
                    if step < STEPS:
                        task_id = BareTask.objects.create(case_id=case_id, step=step + 1, updated_at=now).pk
                    BareEvent.objects.create(
                        case_id=case_id, task_id=done_id, type="task.done", actor=user, created_at=now
                    )
                spent += time.perf_counter() - t0
        return spent

    # -- the product
    def product_cases(self, name: str) -> list[int]:
        from django.conf import settings

        from engine import services
        from engine.access import SYSTEM

        push = settings.WORKFLOW_PUSH
        settings.WORKFLOW_PUSH = False  # the start is not what is measured
        try:
            return [services.case_start(definition=name, user=SYSTEM).pk for _ in range(self.cases)]
        finally:
            settings.WORKFLOW_PUSH = push

    def product_run(self, case_ids: list[int], calls: str, pause: float = 0.0) -> float:
        from engine import services
        from engine.models import Case, WorkItem

        spent = 0.0
        for case_id in case_ids:
            for _ in range(STEPS):
                item_id = (
                    WorkItem.objects.filter(case_id=case_id, state="initialized").values_list("pk", flat=True).get()
                )
                user = self.User.objects.get(username=self.username)  # as a request loads it
                t0 = time.perf_counter()
                if calls != "complete":
                    services.work_item_claim(item_id=item_id, user=user)
                if calls == "claim_start_complete":
                    services.work_item_start(item_id=item_id, user=user)
                services.work_item_complete(item_id=item_id, user=user, output={})
                spent += time.perf_counter() - t0
                if pause:
                    time.sleep(pause)
            assert Case.objects.get(pk=case_id).state == "completed"
        return spent

    def contender(self, name: str) -> tuple[Any, Any]:
        """(prepare, run) for a contender: prepare() is untimed, run(prepared) returns seconds."""
        from django.conf import settings

        if name == "bare":
            return self.bare_cases, self.bare_run
        if name == "bare_two":
            return self.bare_cases, lambda cases: self.bare_run(cases, two=True)
        calls, _, push = name.rpartition("_")
        definition = "bench-watched" if push == "push100" else "bench-unwatched"

        def prep() -> list[int]:
            return self.product_cases(definition)

        def run(cases: list[int]) -> float:
            settings.WORKFLOW_PUSH = push != "nopush"
            try:
                return self.product_run(cases, calls)
            finally:
                settings.WORKFLOW_PUSH = True

        return prep, run


def count_one(driver: Driver, name: str) -> dict[str, float]:
    """Statements, commits and Redis publishes (push bus messages, realtime/layer.py) of one
    untimed case of `name`, per step."""
    from django.db import connection

    from realtime import push

    counts = {"statements": 0, "commits": 0, "messages": 0}

    def wrapper(execute, sql, params, many, context):
        counts["statements"] += 1
        return execute(sql, params, many, context)

    connection.ensure_connection()
    wrapped = connection.commit

    def commit() -> None:  # an outermost atomic block ends with connection.commit()
        counts["commits"] += 1
        wrapped()

    from channels.layers import get_channel_layer

    send_all: Any = push._send_all
    counted: Any

    def count(entries):
        # one bus message; before the bus (BENCH_TREE=an older tree), a group_send per group
        bus = hasattr(get_channel_layer(), "bus_send")
        counts["messages"] += 1 if bus else sum(1 if isinstance(g, str) else len(g) for g, _ in entries)

    if asyncio.iscoroutinefunction(send_all):  # an older tree's publisher

        async def counted_async(entries):
            count(entries)
            await send_all(entries)

        counted = counted_async
    else:

        def counted_sync(entries):
            count(entries)
            send_all(entries)

        counted = counted_sync

    prep, run = driver.contender(name)
    saved = driver.cases
    driver.cases = 1
    prepared = prep()
    driver.cases = saved
    connection.commit = commit
    push._send_all = counted
    try:
        if name.startswith("bare"):
            with connection.execute_wrapper(wrapper):
                run(prepared)
        else:
            # the next item's query is outside the product's timing: leave it out of the count
            from engine import services

            orig = {n: getattr(services, n) for n in ("work_item_claim", "work_item_start", "work_item_complete")}

            def counting(fn):
                def call(**kw):
                    with connection.execute_wrapper(wrapper):
                        return fn(**kw)

                return call

            for n, fn in orig.items():
                setattr(services, n, counting(fn))
            try:
                run(prepared)
            finally:
                for n, fn in orig.items():
                    setattr(services, n, fn)
    finally:
        del connection.commit
        push._send_all = send_all
    return {k: v / STEPS for k, v in counts.items()}


def wait_drained(driver: Driver, drain: tuple[Any, Any]) -> None:
    """Offer a marker item to every client and wait until all of them have it."""
    from engine import services
    from engine.access import SYSTEM
    from engine.models import WorkItem

    requests, replies = drain
    case = services.case_start(definition="bench-watched", user=SYSTEM)
    marker = str(WorkItem.objects.filter(case_id=case.pk, state="initialized").values_list("pk", flat=True).get())
    requests.put(marker)
    if replies.get(timeout=1800) != marker:
        raise RuntimeError("the clients did not drain")


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far, from /proc (0 if unknown)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child_main(
    proc: int,
    env: dict[str, str],
    contenders: list[str],
    rounds: int,
    cases: int,
    barrier: Any,
    results: Any,
    paced: int = 0,
    interval: float = 0.05,
    drain: tuple[Any, Any] | None = None,
    daphne_pid: int = 0,
) -> None:
    setup_django(env)
    from django.db import connections

    from realtime import push

    push.warm_up()
    driver = Driver(proc, cases)
    out: dict[str, Any] = {"rates": {c: [] for c in contenders}, "counts": {}}
    for name in contenders:  # warm-up (parsed nets, connections) and the counts
        prep, run = driver.contender(name)
        run(prep())
        out["counts"][name] = count_one(driver, name)
    for _ in range(rounds):
        for name in contenders:
            prep, run = driver.contender(name)
            prepared = prep()
            barrier.wait()
            spent = run(prepared)
            out["rates"][name].append(cases * STEPS / spent)
    if paced and proc == 0 and drain is not None:
        # the push latency at a steady pace (not saturating Daphne): claim + complete steps on
        # the watched net, one every `interval` seconds, timed only once every client has
        # received everything the rounds sent (a marker item offered to all of them, which
        # arrives after the backlog: a socket's messages keep their order), and followed by
        # another marker, so that the Daphne's CPU time covers exactly the paced messages
        from django.conf import settings

        driver.cases = max(1, paced // STEPS)
        case_ids = driver.product_cases("bench-watched")
        settings.WORKFLOW_PUSH = True
        wait_drained(driver, drain)
        cpu0, t0 = process_cpu(daphne_pid), time.time()
        driver.product_run(case_ids, "claim_complete", pause=interval)
        wait_drained(driver, drain)
        out["paced"] = {"cases": case_ids, "seconds": time.time() - t0, "daphne_cpu": process_cpu(daphne_pid) - cpu0}
    connections.close_all()
    results.put((proc, out))


# ---------------------------------------------------------------------- websocket clients


def clients_main(port: int, tokens: list[str], out_file: str, ready_file: str, drain: tuple[Any, Any]) -> None:
    """Connect the clients, record each arrival of a work item (time, latency, case, event) until
    SIGTERM, then write them. On a marker item id from `drain[0]`, answer on `drain[1]` once every
    client has received that item."""
    import signal
    import threading
    from collections import Counter

    from websockets.client import ClientProtocol
    from websockets.exceptions import InvalidHandshake
    from websockets.frames import Frame, Opcode
    from websockets.uri import parse_uri

    arrivals: list[tuple[float, float, int, str]] = []
    frames = [0]  # websocket frames received (a frame may hold several messages)
    offered: Counter[str] = Counter()
    waiting: dict[str, asyncio.Event] = {}
    requests, replies = drain

    handshakes = asyncio.Semaphore(10)

    def arrived(now: float, raw: bytes) -> None:
        data = json.loads(raw)  # a JSON array: messages that waited for the socket (ADR 0093)
        for message in data if isinstance(data, list) else [data]:
            one(now, message)
        frames[0] += 1

    def one(now: float, message: dict[str, Any]) -> None:
        if message.get("type") != "work_item":
            return
        item = message["work_item"]
        stamped = dt.datetime.fromisoformat(item["updated_at"].replace("Z", "+00:00"))
        arrivals.append((now, (now - stamped.timestamp()) * 1000, item["case"], message["event"]))
        if message["event"] == "offered":
            offered[item["id"]] += 1
            if offered[item["id"]] == len(tokens) and item["id"] in waiting:
                waiting[item["id"]].set()

    class Watcher(asyncio.Protocol):
        """A websocket client as lean as a browser's socket is to its page: `websockets`'
        sans-I/O protocol (handshake, frames, pongs) fed straight from the socket, each message
        stamped when its bytes arrive, no task or queue per message. 100 clients share one
        process and the machine's cores with the Daphne and the steps: the client's own cost
        per message is part of every figure, so it is kept small."""

        def __init__(self, url: str) -> None:
            self.ws = ClientProtocol(parse_uri(url), max_size=2**24)
            self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def connection_made(self, transport: Any) -> None:
            self.transport = transport
            self.ws.send_request(self.ws.connect())
            self.flush()

        def data_received(self, data: bytes) -> None:
            now = time.time()
            self.ws.receive_data(data)
            for event in self.ws.events_received():
                if not isinstance(event, Frame):
                    continue  # the handshake's response
                if event.opcode is Opcode.TEXT:
                    if self.opened.done():
                        arrived(now, bytes(event.data))
                    elif json.loads(bytes(event.data)).get("type") == "snapshot":
                        self.opened.set_result(None)
            self.flush()
            if self.ws.handshake_exc is not None and not self.opened.done():
                self.opened.set_exception(self.ws.handshake_exc)

        def flush(self) -> None:
            for chunk in self.ws.data_to_send():
                if chunk:
                    self.transport.write(chunk)
                else:
                    self.transport.write_eof()

        def connection_lost(self, exc: Exception | None) -> None:
            if not self.opened.done():
                self.opened.set_exception(exc or ConnectionError("closed before the snapshot"))
            if not self.closed.done():
                self.closed.set_result(None)

    async def client(token: str, ready: asyncio.Event) -> None:
        # ten handshakes at a time, each tried again if a loaded Daphne dropped it (its handshake
        # timeout is 5 s): 100 at once do not all get through on a busy machine
        url = f"ws://127.0.0.1:{port}/ws/inbox/?token={token}"
        loop = asyncio.get_running_loop()
        for attempt in range(20):
            async with handshakes:
                try:
                    transport, watcher = await loop.create_connection(lambda: Watcher(url), "127.0.0.1", port)
                    await asyncio.wait_for(asyncio.shield(watcher.opened), 60)
                    break
                except (OSError, TimeoutError, InvalidHandshake):
                    if attempt == 19:
                        raise
        ready.set()
        try:
            await watcher.closed
        finally:
            transport.close()

    async def drained(marker: str) -> None:
        event = waiting.setdefault(marker, asyncio.Event())
        if offered[marker] == len(tokens):
            event.set()
        await event.wait()
        replies.put(marker)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        loop.add_signal_handler(signal.SIGTERM, stop.set)

        def start(marker: str) -> None:
            asyncio.ensure_future(drained(marker))

        def listen() -> None:  # a daemon thread: the queue's get() blocks
            while True:
                loop.call_soon_threadsafe(start, requests.get())

        threading.Thread(target=listen, daemon=True).start()
        readies = [asyncio.Event() for _ in tokens]
        tasks = [asyncio.create_task(client(t, r)) for t, r in zip(tokens, readies, strict=True)]
        waits = [asyncio.ensure_future(r.wait()) for r in readies]
        # all ready, or a client failed (its error is raised here rather than waited out)
        while not all(w.done() for w in waits):
            await asyncio.wait([*waits, *tasks], timeout=900, return_when=asyncio.FIRST_COMPLETED)
            for t in tasks:
                if t.done():
                    t.result()
            waits = [w for w in waits if not w.done()]
        Path(ready_file).write_text("ok")
        await stop.wait()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # BENCH_CLIENTS_PROFILE=/path: the clients' process runs under cProfile and writes it there
    profile = os.environ.get("BENCH_CLIENTS_PROFILE")
    if profile:
        import cProfile

        cProfile.runctx("asyncio.run(main())", globals(), {"asyncio": asyncio, "main": main}, profile)
    else:
        asyncio.run(main())
    Path(out_file).write_text(json.dumps({"arrivals": arrivals, "frames": frames[0]}))


def start_daphne(env: dict[str, str], port: int) -> subprocess.Popen:
    log = open(Path(tempfile.gettempdir()) / f"bench-transition-daphne-{port}.log", "w")  # noqa: SIM115
    # BENCH_DAPHNE_PROFILE=/path: the Daphne runs under cProfile and writes its profile there on exit
    profile = os.environ.get("BENCH_DAPHNE_PROFILE")
    python = [sys.executable, "-m", "cProfile", "-o", profile] if profile else [sys.executable]
    process = subprocess.Popen(
        [*python, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
        cwd=CODE,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/me/", timeout=1).close()
            return process
        except urllib.error.HTTPError:  # 401/403: it answers
            return process
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("daphne did not start")


# ---------------------------------------------------------------------- the parent


def run_db(db: str, args: argparse.Namespace, contenders: list[str]) -> None:
    db_url = f"sqlite:///{tempfile.mkdtemp(prefix='wf-bench-transition-')}/bench.sqlite3" if db == "sqlite" else PG_URL
    channel_prefix = "benchtr" + uuid.uuid4().hex[:8]
    env = {**base_env(db_url), "CHANNEL_PREFIX": channel_prefix}
    watchers = SUBSCRIBERS if any(c.endswith("push100") for c in contenders) else 0
    tokens = prepare(db_url, watchers, max(args.procs))
    port = free_port()
    daphne = clients = None
    tmp = Path(tempfile.mkdtemp(prefix="wf-bench-transition-clients-"))
    spawn = mp.get_context("spawn")
    drain = (spawn.Queue(), spawn.Queue())  # marker item ids to the clients, and back once all have them
    try:
        if watchers:
            daphne = start_daphne(env, port)
            ready = tmp / "ready"
            clients = spawn.Process(
                target=clients_main, args=(port, tokens, str(tmp / "latencies.json"), str(ready), drain)
            )
            clients.start()
            deadline = time.monotonic() + 900  # 100 handshakes and snapshots: slow on a loaded machine
            while not ready.exists():
                if time.monotonic() > deadline or not clients.is_alive():
                    raise SystemExit("the websocket clients did not connect")
                time.sleep(0.1)
        paced = args.paced if watchers else 0
        windows: list[tuple[int, dict[str, Any]]] = []
        for procs in args.procs:
            barrier = spawn.Barrier(procs)
            results = spawn.Queue()
            children = [
                spawn.Process(
                    target=child_main,
                    args=(
                        p,
                        env,
                        contenders,
                        args.rounds,
                        args.cases,
                        barrier,
                        results,
                        paced,
                        args.interval,
                        drain,
                        daphne.pid if daphne else 0,
                    ),
                )
                for p in range(procs)
            ]
            load0 = os.getloadavg()[0]
            t0 = time.time()
            for c in children:
                c.start()
            outs = [results.get(timeout=3600)[1] for _ in children]
            windows += [(procs, o["paced"]) for o in outs if "paced" in o]
            for c in children:
                c.join()
            print(
                f"\n### {db}, {procs} process{'es' if procs > 1 else ''}, {args.rounds} rounds x "
                f"{args.cases} cases x {STEPS} steps per process (load average {load0:.2f} -> "
                f"{os.getloadavg()[0]:.2f}, {time.time() - t0:.0f} s)"
            )
            report(contenders, outs)
        if clients is not None:
            clients.terminate()
            clients.join(30)
            received = json.loads((tmp / "latencies.json").read_text())
            arrivals = received["arrivals"]
            print(
                f"\nclients: {len(arrivals)} work item messages in {received['frames']} websocket frames "
                "(a socket that is behind gets what waited as one frame, ADR 0093)"
            )
            paced_cases: set[int] = set()
            for procs, window in windows:
                cases = set(window["cases"])
                paced_cases |= cases
                mine = [(ms, event) for _, ms, case, event in arrivals if case in cases]
                paced_ms = [ms for ms, event in mine if event == "offered"]
                if paced_ms:
                    print(
                        f"push commit -> client, {watchers} clients, {paced} claim + complete steps one every "
                        f"{args.interval * 1000:.0f} ms after the {procs}-process rounds, the backlog drained "
                        f"({len(paced_ms)} offers of {len(cases) * (STEPS - 1) * watchers} expected): "
                        f"p50 {statistics.median(paced_ms):.1f} ms, p95 {pct(paced_ms, 95):.1f} ms, "
                        f"max {max(paced_ms):.1f} ms; Daphne CPU {window['daphne_cpu'] * 1000:.0f} ms "
                        f"in {window['seconds']:.1f} s for {len(mine)} client messages "
                        f"({window['daphne_cpu'] * 1e6 / max(1, len(mine)):.0f} ms per 1,000)"
                    )
            busy = [ms for _, ms, case, event in arrivals if case not in paced_cases and event == "offered"]
            if busy:
                print(
                    f"  for comparison, during the rounds (steps as fast as they go; {len(busy)} arrivals): "
                    f"p50 {statistics.median(busy):.1f} ms, p95 {pct(busy, 95):.1f} ms"
                )
            clients = None
    finally:
        if clients is not None and clients.is_alive():
            clients.kill()
        if daphne is not None:
            daphne.terminate()
            daphne.wait(10)


def report(contenders: list[str], outs: list[dict[str, Any]]) -> None:
    rounds = len(outs[0]["rates"][contenders[0]])
    totals = {c: [sum(o["rates"][c][r] for o in outs) for r in range(rounds)] for c in contenders}
    base = totals.get("bare")
    print(
        "| contender | steps/s median | min-max | vs bare (median) | per-round ratio min-max "
        "| statements / step | commits / step | statements / transaction | Redis publishes / step |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for c in contenders:
        rates = totals[c]
        med = statistics.median(rates)
        counts = outs[0]["counts"][c]
        if base:
            ratios = [x / b for x, b in zip(rates, base, strict=True)]
            vs = f"**{med / statistics.median(base):.2f}**"
            rr = f"{min(ratios):.2f}-{max(ratios):.2f}"
        else:
            vs = rr = "-"
        per_tx = counts["statements"] / counts["commits"] if counts["commits"] else float("nan")
        print(
            f"| {c} | {med:.1f} | {min(rates):.1f}-{max(rates):.1f} | {vs} | {rr} | {counts['statements']:.1f} "
            f"| {counts['commits']:.1f} | {per_tx:.1f} | {counts['messages']:.1f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("postgres", "sqlite", "both"), default="both")
    parser.add_argument("--procs", default="1,2", help="comma-separated process counts (default 1,2)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cases", type=int, default=8, help="cases of 10 steps per process per contender per round")
    parser.add_argument("--paced", type=int, default=100, help="paced steps for the push latency (0: none)")
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between two paced steps")
    parser.add_argument("--contenders", default=",".join(DEFAULT_CONTENDERS), help=", ".join(ALL_CONTENDERS))
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop Daphne and the clients on the way out
    args.procs = [int(p) for p in args.procs.split(",")]
    contenders = [c.strip() for c in args.contenders.split(",") if c.strip()]
    unknown = set(contenders) - set(ALL_CONTENDERS)
    if unknown:
        parser.error(f"unknown contenders: {sorted(unknown)}")
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; python {sys.version.split()[0]}; "
        f"redis {os.environ.get('REDIS_URL', 'redis://127.0.0.1:6379/0')}"
    )
    for db in ("postgres", "sqlite") if args.db == "both" else (args.db,):
        run_db(db, args, contenders)


if __name__ == "__main__":
    main()
