"""Operations dashboard figures: the case list over 100,000 cases and a case page with a
2,000-event history, through the HTTP API (Django's test client, in process, DEBUG off).

    python bench/bench_dashboard.py            # both databases (PostgreSQL at 127.0.0.1:5432)
    python bench/bench_dashboard.py --db sqlite
    python bench/bench_dashboard.py --db postgres --cases 100000

How the data is made:
  * the demo nets are published (invoice-approval twice, so it has versions 1 and 2);
  * 100,000 case rows are bulk-inserted, shaped as the engine writes them (marking, task states
    and data copied from real cases started through the services), spread over 30 days, with
    a mix of states (60% completed, 25% running, 5% suspended, 5% canceled, 3% failed,
    2% deadlocked) and data such as {"vendor": "V17", "amount": 420.0}; each case gets one work
    item (open for active cases, completed for completed ones, failed for 1% of the running
    ones: incidents). Inserting through the services would take many minutes and measure
    nothing more about the list;
  * one case is run through the services for real until its history has 2,000+ events (a
    loop of a manual task, each round one work item).

Each figure is the median and p95 of N requests (after one warm-up request). Each database
run uses its own throw-away database (a temp SQLite file, or `workflow_bench_dashboard` on
PostgreSQL, dropped and created anew).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from bench_engine import database_env  # bench/ is the script's directory, on sys.path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("BENCH_DASHBOARD_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/workflow_bench_dashboard")
REPEAT = 30
HISTORY_EVENTS = 2000
STATES = [("completed", 60), ("running", 25), ("suspended", 5), ("canceled", 5), ("failed", 3), ("deadlocked", 2)]


def loop_net() -> dict:
    """A manual task done again and again: each round adds about eight events to the history."""
    return {
        "schema_version": 1,
        "name": "bench-loop",
        "conditions": [{"id": "start", "kind": "start"}, {"id": "loop"}, {"id": "end", "kind": "end"}],
        "tasks": [
            {"id": "begin", "kind": "dummy"},
            {"id": "work", "kind": "manual", "split": "xor", "assign": {"role": "clerks"}},
        ],
        "flows": [
            {"from": "start", "to": "begin"},
            {"from": "begin", "to": "loop"},
            {"from": "loop", "to": "work"},
            {"from": "work", "to": "loop", "when": "data.again"},
            {"from": "work", "to": "end", "default": True},
        ],
    }


def timed(client, url: str, params: dict | None = None, repeat: int = REPEAT) -> tuple[float, float, dict]:
    response = client.get(url, params or {})
    assert response.status_code == 200, (url, params, response.status_code, response.content[:300])
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        response = client.get(url, params or {})
        samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))], response.json()


def run_one_database(label: str, n_cases: int) -> None:
    """Runs inside a child process whose DATABASE_URL is already set."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["WORKFLOW_RUNNER"] = "manual"
    os.environ["DEBUG"] = "false"
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    from definitions.models import DefinitionVersion
    from definitions.services import definition_publish, definition_save_draft
    from engine import services
    from engine.access import SYSTEM
    from engine.models import Case, Event, WorkItem
    from tests.helpers import demo_net, publish_demo_nets

    publish_demo_nets()
    doc = demo_net("invoice-approval")
    doc["title"] = "Invoice approval (v2)"
    definition_save_draft(doc=doc, user=SYSTEM)
    definition_publish(name="invoice-approval", user=SYSTEM)
    definition_save_draft(doc=loop_net(), user=SYSTEM)
    definition_publish(name="bench-loop", user=SYSTEM)
    staff = get_user_model().objects.create_user("bench-staff", password="x", is_staff=True)

    # ---- templates: real cases, whose rows the bulk-inserted ones copy
    templates = {
        "invoice-approval": services.case_start(
            definition="invoice-approval", data={"vendor": "V0", "amount": 1.0}, user=staff
        ),
        "order-fulfilment": services.case_start(
            definition="order-fulfilment", data={"customer": "C0", "items": ["x"]}, user=staff
        ),
        "batch-review": services.case_start(definition="batch-review", data={"documents": ["a"]}, user=staff),
    }
    versions = {
        name: list(DefinitionVersion.objects.filter(definition__name=name).order_by("version")) for name in templates
    }
    first_items = {
        name: WorkItem.objects.filter(case=case).order_by("created_at").first() for name, case in templates.items()
    }

    # ---- 100,000 cases
    t0 = time.perf_counter()
    rng = random.Random(6)
    now = dt.datetime.now(dt.UTC)
    weights = [w for _, w in STATES]
    names = list(templates)
    auto = {
        (m, f): (m._meta.get_field(f).auto_now_add, m._meta.get_field(f).auto_now)
        for m in (Case, WorkItem)
        for f in ("created_at", "updated_at")
    }
    for model, field in auto:  # keep the spread-out times we set (restored below)
        model._meta.get_field(field).auto_now_add = model._meta.get_field(field).auto_now = False
    batch = 5000
    made = 0
    while made < n_cases:
        rows, items = [], []
        for _ in range(min(batch, n_cases - made)):
            name = names[made % len(names)]
            tpl = templates[name]
            state = rng.choices([s for s, _ in STATES], weights)[0]
            created = now - dt.timedelta(minutes=rng.randrange(30 * 24 * 60))
            ended = (
                created + dt.timedelta(minutes=rng.randrange(1, 600))
                if state in ("completed", "canceled", "failed", "deadlocked")
                else None
            )
            if name == "invoice-approval":
                data = {"vendor": f"V{rng.randrange(50)}", "amount": float(rng.randrange(10, 10000))}
            elif name == "order-fulfilment":
                data = {"customer": f"C{rng.randrange(500)}", "items": ["x", "y"]}
            else:
                data = {"documents": ["a", "b"]}
            rows.append(
                Case(
                    version=rng.choice(versions[name]),
                    definition_name=name,
                    state=state,
                    data=data,
                    marking=tpl.marking if state in ("running", "suspended") else {},
                    tasks=tpl.tasks,
                    created_at=created,
                    updated_at=ended or created,
                    ended_at=ended,
                    reason="stuck" if state == "deadlocked" else "",
                )
            )
            made += 1
        Case.objects.bulk_create(rows, batch_size=1000)
        if not all(r.pk for r in rows):  # SQLite before 3.35 gives no ids back
            last = Case.objects.order_by("-id").values_list("id", flat=True)[: len(rows)]
            for r, pk in zip(rows, sorted(last), strict=True):
                r.pk = pk
        for r in rows:
            tpl_item = first_items[r.definition_name]
            if r.state in ("running", "suspended"):
                state = "failed" if rng.random() < 0.04 else "initialized"
            elif r.state == "completed":
                state = "completed"
            else:
                continue
            items.append(
                WorkItem(
                    id=uuid.uuid4(),
                    case_id=r.pk,
                    task=tpl_item.task,
                    generation=1,
                    kind=tpl_item.kind,
                    state=state,
                    input=tpl_item.input,
                    role=tpl_item.role,
                    error={"type": "RuntimeError", "message": "boom"} if state == "failed" else None,
                    created_at=r.created_at,
                    updated_at=r.ended_at or r.created_at,
                )
            )
        WorkItem.objects.bulk_create(items, batch_size=1000)
    for (model, field), (add, now_) in auto.items():
        model._meta.get_field(field).auto_now_add, model._meta.get_field(field).auto_now = add, now_
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum leaves tables at rest
    print(
        f"[{label}] {Case.objects.count()} cases and {WorkItem.objects.count()} work items inserted "
        f"in {time.perf_counter() - t0:.1f} s"
    )

    # ---- a case with a 2,000-event history, run through the services
    t0 = time.perf_counter()
    case = services.case_start(definition="bench-loop", data={"again": True}, user=staff)
    while Event.objects.filter(case=case).count() < HISTORY_EVENTS:
        item = WorkItem.objects.filter(case=case, state="initialized").values_list("pk", flat=True).first()
        services.work_item_complete(item_id=item, user=staff, output={"again": True})
    events = Event.objects.filter(case=case).count()
    items = WorkItem.objects.filter(case=case).count()
    print(
        f"[{label}] history case {case.pk}: {events} events, {items} work items "
        f"(made in {time.perf_counter() - t0:.1f} s)"
    )

    client = Client()
    client.force_login(staff)
    mid_event = Event.objects.filter(case=case).order_by("id").values_list("id", flat=True)[events // 2]
    vendor = 'data.vendor == "V7"'
    deep = max(1, min(200, n_cases // 50))  # the deepest page the capped count allows
    lists: list[tuple[str, dict[str, Any]]] = [
        ("no filter, page 1", {}),
        ("state=running", {"state": "running"}),
        ("definition + state", {"definition": "invoice-approval", "state": "completed"}),
        ("definition + version", {"definition": "invoice-approval", "version": 2}),
        ("created in the last 24 h", {"created_after": (now - dt.timedelta(days=1)).isoformat()}),
        (f"where {vendor}", {"where": vendor}),
        (
            f"definition + state + where {vendor}",
            {"definition": "invoice-approval", "state": "running", "where": vendor},
        ),
        ("where data.amount > 9900", {"where": "data.amount > 9900"}),
        ("incident=true", {"incident": "true"}),
        ("sort=-ended_at", {"sort": "-ended_at"}),
        (f"page {deep} (offset {(deep - 1) * 50:,})", {"page": deep}),
    ]
    print(f"[{label}] case list, {REPEAT} requests each, 50 rows a page (median / p95 ms, rows counted):")
    for title, params in lists:
        med, p95, body = timed(client, "/api/dashboard/cases/", params)
        count = f"{body['count']}{'+' if body['count_capped'] else ''}"
        print(f"[{label}]   {title:<48} {med:7.1f} / {p95:7.1f} ms   count={count}")
    med, p95, body = timed(client, f"/api/dashboard/cases/{case.pk}/")
    print(
        f"[{label}] case page with {len(body['history'])} events and {len(body['work_items'])} work items:"
        f" {med:.1f} / {p95:.1f} ms"
    )
    med, p95, _ = timed(client, f"/api/dashboard/cases/{case.pk}/state/", {"at": mid_event})
    print(f"[{label}] state at event {mid_event} (replay of {events // 2} events): {med:.1f} / {p95:.1f} ms")
    med, p95, _ = timed(client, "/api/dashboard/overview/", repeat=5)
    print(f"[{label}] overview over {Case.objects.count()} cases: {med:.1f} / {p95:.1f} ms (5 requests)")
    med, p95, _ = timed(client, "/api/dashboard/definitions/invoice-approval/", repeat=5)
    print(f"[{label}] definition page (heatmap of ~{n_cases // 3:,} cases): {med:.1f} / {p95:.1f} ms (5 requests)")
    if connection.vendor == "postgresql":
        from dashboard import selectors

        qs = selectors.case_list_rows(selectors.case_list(where_text=vendor))[:50]
        plan = qs.explain()
        used = [w for w in ("case_data_gin", "engine_case_pkey", "case_state_id") if w in plan]
        print(f"[{label}] plan of `where {vendor}`: uses {', '.join(used) or 'no named index'}")


def drop_postgres(url: str) -> None:
    import environ
    import psycopg

    cfg = environ.Env.db_url_config(url)
    with psycopg.connect(
        host=cfg["HOST"], port=cfg["PORT"] or 5432, user=cfg["USER"] or "postgres", dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{cfg["NAME"]}"')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database afterwards")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_one_database(args.child, args.cases)
        return
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    targets = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for db in targets:
        env, tmp = database_env(db, PG_URL, prefix="wf-bench-dash-")
        subprocess.run(
            [sys.executable, __file__, "--child", db, "--cases", str(args.cases)], check=True, env=env, cwd=ROOT
        )
        if db == "postgres" and not args.keep:
            drop_postgres(PG_URL)  # leave no 100,000-row database behind
        elif tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
