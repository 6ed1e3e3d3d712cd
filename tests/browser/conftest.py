"""Browser tests: a live Daphne server of the whole app, and headless Chromium driven by
Playwright for Python.

The server runs in a subprocess on a free port with a database of its own (a fresh SQLite file,
migrated and loaded with `seed_demo`), DEBUG off (static files as in production), and a channel
prefix of its own on the real Redis. The browser is Debian's `chromium` (`scripts/test.sh`
installs it); Playwright's own browser downloads are not used. A missing browser is a failure.
Screenshots go to `var/test-artifacts/`.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "var" / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    """A Daphne process serving the app; `restart()` stops and starts it on the same port."""

    env: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def manage(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, check=True, stdout=subprocess.DEVNULL
        )

    def start(self) -> None:
        log = open(ARTIFACTS / f"daphne-{self.port}.log", "ab")  # noqa: SIM115 - kept open for the process
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), "config.asgi:application"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited with {self.process.returncode}; see {log.name}")
            try:
                urllib.request.urlopen(f"{self.url}/login/", timeout=1).close()
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.1)
        raise RuntimeError("daphne did not answer within 30 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def api(self, method: str, path: str, body: Any = None, *, user: str = "admin") -> tuple[int, Any]:
        """Call the API as a demo user (token auth)."""
        if user and user not in self.tokens:
            _, answer = self.api("POST", "/api/auth/token/", {"username": user, "password": user}, user="")
            self.tokens[user] = answer["token"]
        headers = {"Content-Type": "application/json"}
        if user:
            headers["Authorization"] = f"Token {self.tokens[user]}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")


def server_env(sqlite_file: Path, prefix: str = "e2e") -> dict[str, str]:
    """The environment of a live server: its own SQLite file and channel prefix, DEBUG off,
    automatic work run inline (the bench scripts use it too)."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{sqlite_file}",
        "DEBUG": "false",
        "SECRET_KEY": f"{prefix}-" + uuid.uuid4().hex,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CHANNEL_PREFIX": prefix + uuid.uuid4().hex[:12],
        "WORKFLOW_RUNNER": "inline",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("TEST_DATABASE_NAME", None)
    return env


@pytest.fixture
def daphne_server(tmp_path: Path) -> Iterator[LiveServer]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    if not (ROOT / "frontend" / "dist" / "index.html").is_file():
        pytest.fail("frontend/dist is missing: run scripts/setup_frontend.sh (scripts/test.sh does)")
    server = LiveServer(env=server_env(tmp_path / "e2e.sqlite3"))
    server.manage("migrate", "--no-input")
    server.manage("seed_demo")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).is_file():
        pytest.fail(f"no Chromium at {CHROMIUM}: scripts/test.sh installs Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def login_page(browser: Any, server: LiveServer, username: str) -> Any:
    """A new browser context logged in as `username` through the login page, on the inbox."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{server.url}/inbox/")
    page.wait_for_url("**/login/**")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", username)
    page.click("button[type=submit]")
    page.wait_for_url("**/inbox/")
    return page


@contextmanager
def watched_page(browser: Any, server: LiveServer, username: str, last_screenshot: str) -> Iterator[Any]:
    """`login_page`, then: a screenshot named `last_screenshot` however the test ends, and a
    failure if the page raised an uncaught error."""
    page = login_page(browser, server, username)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page
    finally:
        screenshot(page, last_screenshot)
    assert errors == []


def screenshot(page: Any, name: str) -> Path:
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    return path
