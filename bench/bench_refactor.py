"""The layers refactor (issue 11) against the code before it: same figures, same process run.

    python bench/bench_refactor.py                       # baseline: a1dc4ff, exported to a temp dir
    python bench/bench_refactor.py --baseline /tmp/before --rounds 5
    python bench/bench_refactor.py --groups pure,sqlite  # a subset (pure, sqlite, postgres)

Every measurement is a child process running this file with one tree's code on its path (cwd
and PYTHONPATH = the baseline's or the current tree's root); the children alternate baseline,
current, baseline, current ... for `--rounds` rounds, group by group, so that a change in the
machine's load hits both sides alike. Per figure it prints the median of the rounds for each
side, the ratio current/baseline of the medians (every figure is a rate: below 1 is slower), the
min-max of each side and the min-max of the per-round ratios (round i's current over round i's
baseline).

Figures (`WORKFLOW_RUNNER=manual`, `WORKFLOW_PUSH=false`, DEBUG off):

* ``pure``: the pure engine (`engine.core`, no Django), in memory: cases of a 20-task sequence
  of manual tasks, each work item claimed, started and completed (`Engine.claim`,
  `start_item`, `complete_item`); cases of an AND-split into 8 branches of 2 manual tasks
  and an AND-join (18 tasks); a case whose task has `instances.for_each` over 1,000 elements
  (`start_case` alone, and the whole case with its 1,000 items claimed, started, completed).
  One `Engine` per case, built as the services build it; its events and effects are not read
  (they were dicts and tuples before the refactor, dataclasses after).
* ``sqlite`` / ``postgres``: through the services, on a copy of a migrated throw-away database
  (a SQLite file; on PostgreSQL at `--pg-host`, databases named ``wf_bench_refactor_*``, made
  from a template and dropped at the end): cases of a 10-step manual sequence started with
  `services.case_start` and each step claimed, started and completed with
  `services.work_item_claim/start/complete` by a user in the tasks' role. The query that finds
  the next open item is outside the timing.

The baseline's python is by default this one (the two virtualenvs hold the same runtime
packages); `--baseline-python` picks another. Bytecode goes to a temp folder
(PYTHONPYCACHEPREFIX): the baseline tree is not written to.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BASELINE_REV = "a1dc4ff"
SIDES = ("baseline", "current")
GROUPS = ("pure", "sqlite", "postgres")
PG_PREFIX = "wf_bench_refactor"

SEQ_TASKS = 20
AND_BRANCHES = 8
MI_ITEMS = 1000
SVC_STEPS = 10
SVC_CASES = 20
ROLE = "clerks"


# ---------------------------------------------------------------------- nets


def sequence_net(name: str, n: int) -> dict[str, Any]:
    tasks = [{"id": f"t{i:02d}", "kind": "manual", "assign": {"role": ROLE}} for i in range(n)]
    nodes = ["start", *[t["id"] for t in tasks], "end"]
    return {
        "schema_version": 1,
        "name": name,
        "conditions": [{"id": "start", "kind": "start"}, {"id": "end", "kind": "end"}],
        "tasks": tasks,
        "flows": [{"from": a, "to": b} for a, b in pairwise(nodes)],
    }


def and_net() -> dict[str, Any]:
    """split (AND) -> AND_BRANCHES branches of two manual tasks -> join (AND)."""
    manual = {"kind": "manual", "assign": {"role": ROLE}}
    tasks = [{"id": "split", **manual, "split": "and"}, {"id": "join", **manual, "join": "and"}]
    flows = [{"from": "start", "to": "split"}, {"from": "join", "to": "end"}]
    for b in range(AND_BRANCHES):
        tasks += [{"id": f"b{b}a", **manual}, {"id": f"b{b}b", **manual}]
        flows += [
            {"from": "split", "to": f"b{b}a"},
            {"from": f"b{b}a", "to": f"b{b}b"},
            {"from": f"b{b}b", "to": "join"},
        ]
    return {
        "schema_version": 1,
        "name": "bench-and",
        "conditions": [{"id": "start", "kind": "start"}, {"id": "end", "kind": "end"}],
        "tasks": tasks,
        "flows": flows,
    }


def mi_net() -> dict[str, Any]:
    return {
        "schema_version": 1,
        "name": "bench-mi",
        "conditions": [{"id": "start", "kind": "start"}, {"id": "end", "kind": "end"}],
        "tasks": [
            {
                "id": "each",
                "kind": "manual",
                "assign": {"role": ROLE},
                "instances": {"for_each": "data.items", "as": "item", "max": 5000},
                "input": {"item": "item"},
            },
        ],
        "flows": [{"from": "start", "to": "each"}, {"from": "each", "to": "end"}],
    }


# ---------------------------------------------------------------------- children


def child_pure() -> dict[str, float]:
    """The pure engine in memory. Runs with one tree's code on the path."""
    from engine.core.engine import Engine
    from engine.core.net import parse_net
    from engine.core.orjoin import OrJoinAnalyzer
    from engine.core.state import CaseState

    def prepared(doc: dict[str, Any]) -> tuple[Any, Any]:
        net = parse_net(doc)
        return net, OrJoinAnalyzer(net)

    def run_case(net: Any, orj: Any, data: dict[str, Any]) -> int:
        engine = Engine(net, CaseState(), or_join=orj, actor="u", case={})
        engine.start_case(data)
        done = 0
        while True:
            open_items = [i.id for i in engine.state.work_items.values() if i.state == "initialized"]
            if not open_items:
                break
            for item_id in open_items:
                engine.claim(item_id, "u")
                engine.start_item(item_id, "u")
                engine.complete_item(item_id, {}, user="u")
                done += 1
        assert engine.state.status == "completed", engine.state.status
        return done

    def cases_per_s(net: Any, orj: Any, cases: int, batches: int, expect: int) -> float:
        run_case(net, orj, {})  # warm-up: compiled expressions, validators, OR-join translation
        rates = []
        for _ in range(batches):
            t0 = time.perf_counter()
            for _ in range(cases):
                assert run_case(net, orj, {}) == expect
            rates.append(cases / (time.perf_counter() - t0))
        return statistics.median(rates)

    out: dict[str, float] = {}
    seq = prepared(sequence_net("bench-sequence", SEQ_TASKS))
    out["pure: 20-task sequence, cases/s"] = cases_per_s(*seq, cases=100, batches=5, expect=SEQ_TASKS)
    par = prepared(and_net())
    out["pure: AND split/join (18 tasks), cases/s"] = cases_per_s(
        *par, cases=100, batches=5, expect=2 + 2 * AND_BRANCHES
    )

    net, orj = prepared(mi_net())
    data = {"items": [{"n": i} for i in range(MI_ITEMS)]}
    run_case(net, orj, {"items": data["items"][:10]})  # warm-up
    starts, wholes = [], []
    for _ in range(5):
        t0 = time.perf_counter()
        Engine(net, CaseState(), or_join=orj, actor="u", case={}).start_case(data)
        starts.append(MI_ITEMS / (time.perf_counter() - t0))
    for _ in range(3):
        t0 = time.perf_counter()
        assert run_case(net, orj, data) == MI_ITEMS
        wholes.append(MI_ITEMS / (time.perf_counter() - t0))
    out["pure: start_case creating 1,000 MI items, items/s"] = statistics.median(starts)
    out["pure: 1,000-item MI case claimed/started/completed, items/s"] = statistics.median(wholes)
    return out


def _django(side: str) -> Any:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["WORKFLOW_RUNNER"] = "manual"
    os.environ["WORKFLOW_PUSH"] = "false"
    os.environ["DEBUG"] = "false"
    import django

    django.setup()
    from engine import access

    # the current tree requires an actor: a user or access.SYSTEM; the baseline's None meant the system
    return getattr(access, "SYSTEM", None)


def child_setup(side: str) -> dict[str, float]:
    """Migrate the (template) database, publish the net, make the user."""
    system = _django(side)
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)
    # the definition services moved (designer -> definitions) and now need the acting user
    definitions = importlib.import_module("definitions.services" if system is not None else "designer.services")
    definition_publish, definition_save_draft = definitions.definition_publish, definitions.definition_save_draft
    actor: dict[str, Any] = {"user": system} if system is not None else {}
    doc = sequence_net("bench-steps", SVC_STEPS)
    definition_save_draft(doc=doc, **actor)
    definition_publish(name=doc["name"], **actor)
    user = User.objects.create_user(username="bench", password="x")
    user.groups.add(Group.objects.create(name=ROLE))
    connections.close_all()  # SQLite: the last close checkpoints the WAL into the file
    return {}


def child_services(side: str) -> dict[str, float]:
    """Cases of the 10-step sequence through the services, by a user in the role."""
    _django(side)
    from django.contrib.auth.models import User
    from django.db import connections

    from engine import services
    from engine.models import WorkItem

    def open_item(case_id: int) -> Any:
        return WorkItem.objects.filter(case_id=case_id, state="initialized").values_list("pk", flat=True).get()

    def fresh_user() -> Any:
        return User.objects.get(username="bench")  # as a request would load it (groups not cached)

    spent = {"case_start": 0.0, "claim": 0.0, "start": 0.0, "complete": 0.0}

    def one_case(timed: bool) -> None:
        user = fresh_user()
        t0 = time.perf_counter()
        case = services.case_start(definition="bench-steps", user=user)
        t1 = time.perf_counter()
        if timed:
            spent["case_start"] += t1 - t0
        for _ in range(SVC_STEPS):
            item_id = open_item(case.pk)
            user = fresh_user()
            t0 = time.perf_counter()
            services.work_item_claim(item_id=item_id, user=user)
            t1 = time.perf_counter()
            services.work_item_start(item_id=item_id, user=user)
            t2 = time.perf_counter()
            services.work_item_complete(item_id=item_id, output={}, user=user)
            t3 = time.perf_counter()
            if timed:
                spent["claim"] += t1 - t0
                spent["start"] += t2 - t1
                spent["complete"] += t3 - t2
        case.refresh_from_db()
        assert case.state == "completed", case.state

    for _ in range(2):
        one_case(timed=False)  # warm-up: parsed net, compiled CEL, validators, connection
    for _ in range(SVC_CASES):
        one_case(timed=True)
    connections.close_all()
    steps = SVC_CASES * SVC_STEPS
    step_time = spent["claim"] + spent["start"] + spent["complete"]
    return {
        "steps/s (claim + start + complete)": steps / step_time,
        "work_item_claim calls/s": steps / spent["claim"],
        "work_item_start calls/s": steps / spent["start"],
        "work_item_complete calls/s": steps / spent["complete"],
        "case_start calls/s": SVC_CASES / spent["case_start"],
    }


# ---------------------------------------------------------------------- the parent


class Databases:
    """Throw-away databases: per side a migrated template, copied afresh for every child."""

    def __init__(self, tmp: Path, pg_host: str, pg_port: int, pg_user: str):
        self.tmp = tmp
        self.pg: dict[str, Any] = {"host": pg_host, "port": pg_port, "user": pg_user}
        self.pg_names: set[str] = set()

    def _pg_exec(self, *sql: str) -> None:
        import psycopg

        pg = self.pg
        with psycopg.connect(
            dbname="postgres", autocommit=True, host=str(pg["host"]), port=int(pg["port"]), user=str(pg["user"])
        ) as conn:
            for s in sql:
                conn.execute(s)

    def _pg_url(self, name: str) -> str:
        return f"postgres://{self.pg['user']}@{self.pg['host']}:{self.pg['port']}/{name}"

    def template_url(self, db: str, side: str) -> str:
        if db == "sqlite":
            return f"sqlite:///{self.tmp / f'{side}-template.sqlite3'}"
        name = f"{PG_PREFIX}_{side}_template"
        self.pg_names.add(name)
        self._pg_exec(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
        return self._pg_url(name)

    def fresh_url(self, db: str, side: str) -> str:
        if db == "sqlite":
            path = self.tmp / f"{side}.sqlite3"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
                src = self.tmp / f"{side}-template.sqlite3{suffix}"
                if src.exists():
                    shutil.copyfile(src, f"{path}{suffix}")
            return f"sqlite:///{path}"
        name = f"{PG_PREFIX}_{side}"
        self.pg_names.add(name)
        self._pg_exec(
            f'DROP DATABASE IF EXISTS "{name}"',
            f'CREATE DATABASE "{name}" TEMPLATE "{PG_PREFIX}_{side}_template"',
        )
        return self._pg_url(name)

    def drop_all(self) -> None:
        if self.pg_names:
            self._pg_exec(*(f'DROP DATABASE IF EXISTS "{n}"' for n in sorted(self.pg_names)))


def run_child(
    python: str, tree: Path, side: str, what: str, pycache: Path, db_url: str | None = None
) -> dict[str, float]:
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["PYTHONPATH"] = str(tree)
    env["PYTHONPYCACHEPREFIX"] = str(pycache / side)
    if db_url is not None:
        env["DATABASE_URL"] = db_url
    proc = subprocess.run(
        [python, str(Path(__file__).resolve()), "--child", what, "--side", side],
        cwd=tree,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        sys.exit(f"{side} child {what!r} failed (exit {proc.returncode}):\n{proc.stdout}")
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    return json.loads(lines[-1][len("RESULT ") :])


def export_baseline(rev: str, dest: Path) -> Path:
    """`rev`'s tree in `dest` (git archive: nothing written to the repository)."""
    dest.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], stdout=subprocess.PIPE, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def spread(values: list[float]) -> str:
    return f"{min(values):.4g}-{max(values):.4g}"


def report(results: dict[str, dict[str, list[float]]]) -> str:
    rows = [
        "| figure (rate: higher is faster) | baseline median | current median | ratio current/baseline"
        " | baseline min-max | current min-max | per-round ratios min-max |",
        "|---|---|---|---|---|---|---|",
    ]
    for figure, by_side in results.items():
        base, cur = by_side["baseline"], by_side["current"]
        ratios = [c / b for b, c in zip(base, cur, strict=True)]
        rb, rc = statistics.median(base), statistics.median(cur)
        rows.append(
            f"| {figure} | {rb:.4g} | {rc:.4g} | **{rc / rb:.2f}** | {spread(base)} | {spread(cur)}"
            f" | {min(ratios):.2f}-{max(ratios):.2f} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--baseline", type=Path, help="the baseline tree (default: --baseline-rev exported to a temp dir)"
    )
    parser.add_argument("--baseline-rev", default=BASELINE_REV)
    parser.add_argument("--baseline-python", default=sys.executable)
    parser.add_argument("--current-python", default=sys.executable)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--groups", default=",".join(GROUPS), help="comma-separated: pure, sqlite, postgres")
    parser.add_argument("--pg-host", default="127.0.0.1")
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument("--pg-user", default="postgres")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--side", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        children: dict[str, Callable[..., Any]] = {
            "pure": child_pure,
            "setup": child_setup,
            "services": child_services,
        }
        child = children[args.child]
        result = child() if args.child == "pure" else child(args.side)
        print("RESULT " + json.dumps(result), flush=True)
        return

    groups = [g.strip() for g in args.groups.split(",") if g.strip()]
    unknown = set(groups) - set(GROUPS)
    if unknown:
        parser.error(f"unknown groups: {sorted(unknown)}")
    tmp = Path(tempfile.mkdtemp(prefix="wf-bench-refactor-"))
    dbs = Databases(tmp, args.pg_host, args.pg_port, args.pg_user)
    try:
        baseline = args.baseline or export_baseline(args.baseline_rev, tmp / "baseline")
        trees = {"baseline": baseline.resolve(), "current": ROOT}
        pythons = {"baseline": args.baseline_python, "current": args.current_python}
        pycache = tmp / "pycache"
        print(
            f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; python {sys.version.split()[0]}"
        )
        print(f"baseline: {trees['baseline']} ({pythons['baseline']}); current: {ROOT} ({pythons['current']})")
        for db in groups:
            if db != "pure":
                for side in SIDES:
                    run_child(pythons[side], trees[side], side, "setup", pycache, dbs.template_url(db, side))
        results: dict[str, dict[str, list[float]]] = {}
        started = time.time()
        for rnd in range(1, args.rounds + 1):
            for group in groups:
                for side in SIDES:
                    url = None if group == "pure" else dbs.fresh_url(group, side)
                    what = "pure" if group == "pure" else "services"
                    figures = run_child(pythons[side], trees[side], side, what, pycache, url)
                    for name, value in figures.items():
                        key = name if group == "pure" else f"{group}: {name}"
                        results.setdefault(key, {s: [] for s in SIDES})[side].append(value)
            load = os.getloadavg()[0]
            print(
                f"round {rnd}/{args.rounds} done at {time.time() - started:.0f} s, load average {load:.2f}", flush=True
            )
        print()
        print(f"{args.rounds} rounds, each side's children alternating baseline, current:")
        print(report(results))
    finally:
        dbs.drop_all()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
