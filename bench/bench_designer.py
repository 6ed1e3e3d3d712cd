"""Designer figures: a 300-element net validated server-side, opened, laid out and dragged in
headless Chromium (Debian's `chromium`, Playwright for Python).

    python bench/bench_designer.py [--elements 300] [--port 8531] [--runs 20]

Starts its own server (`manage.py runserver`, DEBUG off, a throw-away SQLite database, a staff
user `bench`) on 127.0.0.1:PORT (default 8531, in the 8500-8599 range) and stops it at the end.
Needs the front end built (`cd frontend && npm run build`; scripts/run.sh and test.sh do it).

Prints ``key=value`` lines:
  * validate_core_ms_p50/p95: `engine.core.validation.validate_net` alone (pure Python);
  * validate_api_in_process_ms_p50/p95: POST /api/definitions/validate/ (what the designer
    calls on every change) through Django's whole stack in process (no network);
  * validate_http_ms_p50/p95: the same call from the page (Playwright's request API, so its
    driver's relay is included), client-measured round trip;
  * open_wall_ms / open_load_and_layout_ms: from navigation to every node rendered and laid
    out with elkjs (no layout in the document) / the part measured inside the page;
  * drag_work_ms_p50/p95/max: per pointer move while dragging a node, the script + style +
    layout work until the move is rendered (see designer/tests/e2e/perf.py); the budget of a
    60 fps frame is 16 ms; drag_frame_gap_ms_*: intervals between animation frames meanwhile.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from designer.tests.e2e.perf import CHROMIUM, CHROMIUM_ARGS, _pct, big_net, measure_drag, measure_open  # noqa: E402


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - our own local server
            return
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.2)
    raise SystemExit(f"the server at {url} did not answer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--elements", type=int, default=300)
    parser.add_argument("--port", type=int, default=8531)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    net = big_net(args.elements, name=f"bench-{args.elements}")

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from engine.core.validation import validate_net

    core = []
    for _ in range(args.runs):
        started = time.perf_counter()
        result = validate_net(net)
        core.append((time.perf_counter() - started) * 1000)
    assert result.valid, result.as_dict()
    print(f"elements={args.elements}")
    print(f"validate_core_ms_p50={statistics.median(core):.1f}")
    print(f"validate_core_ms_p95={_pct(core, 95):.1f}")

    with tempfile.TemporaryDirectory() as tmp:
        env = os.environ | {
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
        }
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], env=env, check=True)
        subprocess.run(
            [
                *manage,
                "shell",
                "-c",
                "from django.contrib.auth.models import User; "
                "User.objects.create_user('bench', password='bench', is_staff=True)",
            ],
            env=env,
            check=True,
        )
        api_in_process(env, net, args)
        server = subprocess.Popen(
            [*manage, "runserver", f"127.0.0.1:{args.port}", "--noreload"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{args.port}"
            wait_for(f"{base}/login/")
            run_browser(base, net, args)
        finally:
            server.terminate()
            server.wait(timeout=10)


def api_in_process(env: dict, net: dict, args: argparse.Namespace) -> None:
    """POST /api/definitions/validate/ through Django's whole stack (URL routing, middleware,
    session auth, DRF parsing and rendering) in this process: the server's share of a call."""
    for key in ("DATABASE_URL", "DEBUG", "ALLOWED_HOSTS", "LOG_LEVEL"):
        os.environ[key] = env[key]
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")  # WhiteNoise: no collectstatic here
    django.setup()
    from django.contrib.auth.models import User
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="bench"))
    body = json.dumps(net)
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        response = client.post("/api/definitions/validate/", body, content_type="application/json")
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200 and response.json()["valid"], response.content[:500]
    print(f"validate_api_in_process_ms_p50={statistics.median(times):.1f}")
    print(f"validate_api_in_process_ms_p95={_pct(times, 95):.1f}")


def run_browser(base: str, net: dict, args: argparse.Namespace) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1500, "height": 950}, base_url=base).new_page()
        page.goto("/login/")
        page.get_by_label("Username").fill("bench")
        page.get_by_label("Password").fill("bench")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/inbox/**")
        csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
        headers = {"Content-Type": "application/json", "X-CSRFToken": csrf}
        body = json.dumps(net)
        http = []
        for _ in range(args.runs):
            started = time.perf_counter()
            response = page.request.post("/api/definitions/validate/", data=body, headers=headers)
            http.append((time.perf_counter() - started) * 1000)
            assert response.ok and response.json()["valid"], response.text()
        print(f"validate_http_ms_p50={statistics.median(http):.1f}")
        print(f"validate_http_ms_p95={_pct(http, 95):.1f}")
        assert page.request.post("/api/definitions/", data=body, headers=headers).status == 201
        for key, value in measure_open(page, net["name"], args.elements).items():
            print(f"{key}={value}")
        for key, value in measure_drag(page, "t5").items():
            print(f"{key}={value}")
        browser.close()


if __name__ == "__main__":
    main()
