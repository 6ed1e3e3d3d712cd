"""The same topology with RabbitMQ as Celery's broker (CELERY_BROKER_URL=amqp://...; the channel
layer stays on Redis): automatic chains run on the workers, /readyz checks RabbitMQ, and
/metrics reads the queue's depth from it. The RabbitMQ at 127.0.0.1:5672 (guest/guest), default
vhost, a queue of this run's own (deleted at the end)."""

from __future__ import annotations

import os
import time
import urllib.request
from pathlib import Path

from kombu import Connection
from prometheus_client.parser import text_string_to_metric_families

from tests.scaleout.harness import auto_net, cluster, http

AMQP_URL = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
CASES, STEPS = 20, 3


def test_workers_on_a_rabbitmq_broker(tmp_path: Path) -> None:
    with cluster(tmp_path, web=1, workers=2, extra_env={"CELERY_BROKER_URL": AMQP_URL}) as c:
        queue = c.env["WORKFLOW_QUEUE"]
        try:
            tokens = c.setup([auto_net("chain", STEPS)], 1)
            for _ in range(CASES):
                status, body = http("POST", f"{c.base}/api/cases/", tokens["boss"], {"definition": "chain"})
                assert status == 201, body
            deadline = time.monotonic() + 120
            while c.sql("SELECT count(*) FROM engine_case WHERE state = 'completed'")[0][0] < CASES:
                assert time.monotonic() < deadline, c.sql("SELECT state, count(*) FROM engine_workitem GROUP BY state")
                time.sleep(0.1)
            assert c.sql("SELECT count(*) FROM engine_workitem WHERE state = 'completed'")[0][0] == CASES * STEPS

            web = c.state["web"][0]["port"]
            status, body = http("GET", f"http://127.0.0.1:{web}/readyz", "none")
            assert status == 200, body
            assert body["checks"]["broker"]["detail"].startswith("amqp://")
            req = urllib.request.Request(f"http://127.0.0.1:{web}/metrics", headers={"Authorization": "Bearer scrape"})
            with urllib.request.urlopen(req, timeout=10) as r:  # noqa: S310 - our own loopback URL
                samples = {
                    (s.name, tuple(sorted(s.labels.items()))): s.value
                    for f in text_string_to_metric_families(r.read().decode())
                    for s in f.samples
                }
            assert samples[("workflow_queue_depth", (("queue", queue),))] == 0
            assert samples[("workflow_cases_ended_total", (("definition", "chain"), ("state", "completed")))] == CASES
        finally:
            with Connection(AMQP_URL) as conn:
                ch = conn.default_channel
                ch.queue_delete(queue)
                ch.exchange_delete(queue)
