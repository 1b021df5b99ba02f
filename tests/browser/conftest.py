"""Real Chromium (Debian's, never a downloaded one) driving the app served by a live server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from deployer.sandbox.server import SandboxServer

CHROMIUM = "/usr/bin/chromium"
# Without the networking flags Chromium tries to reach Google's services at start-up.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls made by the
# test's own fixtures in that thread are still synchronous, so allow them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(
    browser: object, live_server: object, django_db_serialized_rollback: None
) -> Iterator[object]:
    # Serialized rollback, as every other test that commits: a flush without it recreates
    # content types under new ids, and the next serialized test could not restore its own.
    context = browser.new_context(base_url=live_server.url)  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(speed=100) as server:
        yield server


@pytest.fixture
def seeded(transactional_db: None, sandbox: SandboxServer) -> SandboxServer:
    call_command("seed_sandbox", url=sandbox.url, stdout=StringIO())
    return sandbox


@pytest.fixture
def ada(transactional_db: None) -> User:
    return User.objects.create_superuser("ada", "ada@example.com", "correct horse battery")


def log_in(page: object, username: str = "ada", password: str = "correct horse battery") -> None:
    page.goto("/login/")  # type: ignore[attr-defined]
    page.fill("#id_username", username)  # type: ignore[attr-defined]
    page.fill("#id_password", password)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url("**/")  # type: ignore[attr-defined]


@pytest.fixture
def worker(transactional_db: None, settings: object) -> Iterator[None]:
    """A queue worker in a thread: runs queued deployments with the real worker code."""
    import threading

    from django.db import connection

    from deployer.deployments.models import Deployment
    from deployer.deployments.tasks import run_deployment

    settings.POLL_SECONDS = 0.05  # type: ignore[attr-defined]
    stop = threading.Event()

    def work() -> None:
        try:
            while not stop.is_set():
                queued = Deployment.objects.filter(status=Deployment.Status.QUEUED)
                for pk in queued.values_list("pk", flat=True):
                    run_deployment(pk)
                stop.wait(0.2)
        finally:
            connection.close()

    thread = threading.Thread(target=work, name="test-worker", daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(60)
