"""Take the README's newer screenshots from a fresh `make run`, in docs/screenshots/.

Run: `.venv/bin/python scripts/screenshots.py` (after `make install-test chromium`). It starts
Deployer (`manage.py up`) on a data directory and ports of its own, builds a blue/green step from
the sandbox's seeded load balancer, deploys 1.0.0, then photographs the change plan of 1.1.0
(another image and more CPU), its deployment paused for approval after test traffic, and the
drift page once the service's desired count was changed behind Deployer's back.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
PORT = 8099
SANDBOX_URL = "http://127.0.0.1:5099"
PASSWORD = "screenshots only 2026"
DATA = Path(tempfile.mkdtemp(prefix="deployer-screenshots-"))

os.environ.update(
    DJANGO_SETTINGS_MODULE="deployer.settings",
    DEPLOYER_DATA_DIR=str(DATA),
    DEPLOYER_PORT=str(PORT),
    DEPLOYER_SANDBOX_URL=SANDBOX_URL,
    DEPLOYER_SANDBOX_SPEED="10",
    DEPLOYER_ADMIN_PASSWORD=PASSWORD,
    DEPLOYER_DEVELOPER_PASSWORD=PASSWORD,
    DEPLOYER_RELEASE_MANAGER_PASSWORD=PASSWORD,
    # Playwright's sync API runs an event loop; this script's ORM calls are synchronous still.
    DJANGO_ALLOW_ASYNC_UNSAFE="true",
)
os.environ.pop("DATABASE_URL", None)
sys.path.insert(0, str(ROOT))

STEP = """
version: 1
name: Deploy web
target_roles: [web-cluster]
configuration: {{task_definition_name: shop-web}}
task_size: {{cpu: {cpu}, memory: 1024}}
network:
  security_group_ids: [{security_group_id}]
  subnet_ids: [{subnets}]
containers:
  - name: web
    image: {{feed: sandbox-ecr, package: demo/web}}
    port_mappings: [{{container_port: 80, protocol: tcp}}]
load_balancer_mappings:
  - container_name: web
    container_port: 80
    target_group_arn: {target_group_arn}
    advanced:
      alternate_target_group_arn: {alternate_target_group_arn}
      production_listener_rule_arn: {production_listener_rule_arn}
      test_listener_rule_arn: {test_listener_rule_arn}
      role_arn: {traffic_role_arn}
deployment:
  desired_count: 2
  strategy: blue_green
  bake_time_minutes: 1
  lifecycle_hooks: [{{stages: [POST_TEST_TRAFFIC_SHIFT], target: pause, timeout_minutes: 600}}]
"""


def manage(*args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True, cwd=ROOT)


def wait_for(condition: object, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise SystemExit(f"Timed out waiting for {what}.")
        time.sleep(0.5)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


def main() -> None:
    manage("migrate", "--no-input", "-v", "0")
    manage("ensure_admin")
    up = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "up"], cwd=ROOT, start_new_session=True
    )
    try:
        wait_for(lambda: answers(f"http://127.0.0.1:{PORT}/login/"), "the web server")
        photograph()
    finally:
        os.killpg(up.pid, signal.SIGINT)
        up.wait(60)


def photograph() -> None:
    import django

    django.setup()
    from playwright.sync_api import expect, sync_playwright

    from deployer.deployments.models import Deployment
    from deployer.projects.models import Project
    from deployer.releases.actions import create_release
    from steps.document.io import load_document
    from steps.models import Step
    from targets.models import AwsAccount, Environment

    wait_for(
        lambda: AwsAccount.objects.filter(is_sandbox=True).exclude(sandbox_resources={}).exists(),
        "the sandbox seed",
    )
    resources = AwsAccount.objects.get(is_sandbox=True).sandbox_resources
    project = Project.objects.create(name="Shop", slug="shop")

    def step(cpu: int) -> None:
        text = STEP.format(cpu=cpu, subnets=", ".join(resources["subnet_ids"]), **resources)
        saved = Step.objects.filter(project=project).first() or Step(project=project)
        saved.set_document(load_document(text))
        saved.save()

    step(256)
    create_release(project, version="1.0.0", tags={"sandbox-ecr/demo/web": "1.0.0"})

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
        page = browser.new_page(
            base_url=f"http://127.0.0.1:{PORT}", viewport={"width": 1280, "height": 860}
        )
        page.set_default_timeout(60_000)
        page.goto("/login/")
        page.fill("#id_username", "admin")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/")

        def deploy(version: str) -> None:
            page.goto(f"/projects/shop/releases/{version}/")
            page.select_option("#deploy-environment", label="Development")
            page.get_by_role("button", name="Deploy", exact=True).click()
            expect(page.locator("#deployment-status")).to_be_visible()

        deploy("1.0.0")
        expect(page.locator("#deployment-status")).to_have_text("Success", timeout=180_000)

        step(512)
        create_release(project, version="1.1.0", tags={"sandbox-ecr/demo/web": "1.1.0"})
        page.goto("/projects/shop/releases/1.1.0/")
        page.select_option("#deploy-environment", label="Development")
        page.locator("#deploy-form").get_by_role("link", name="Preview changes").click()
        dialog = page.locator("dialog#plan-dialog")
        expect(dialog.locator(".plan-verdict")).to_be_visible()
        dialog.screenshot(path=str(OUT / "change-plan.png"))
        page.keyboard.press("Escape")

        page.get_by_role("button", name="Deploy", exact=True).click()
        expect(page.locator("#service-deployment-stage")).to_contain_text(
            "Awaiting approval", timeout=180_000
        )
        page.screenshot(path=str(OUT / "blue-green-approval.png"))
        page.locator("#approve-service-deployment").click()
        expect(page.locator("#deployment-status")).to_have_text("Success", timeout=180_000)

        import boto3

        outputs = Deployment.objects.get(release__version="1.1.0").outputs["Deploy web"]
        boto3.client(
            "ecs",
            endpoint_url=SANDBOX_URL,
            region_name="us-east-1",
            aws_access_key_id="sandbox",
            aws_secret_access_key="sandbox",
        ).update_service(
            cluster=outputs["ClusterName"], service=outputs["ServiceName"], desiredCount=3
        )
        development = Environment.objects.get(name="Development")
        page.goto(f"/projects/shop/drift/{development.pk}/")
        page.get_by_role("button", name="Check now").click()
        expect(page.locator("#drift-differences")).to_contain_text("Desired count", timeout=180_000)
        page.screenshot(path=str(OUT / "drift.png"))
        browser.close()


if __name__ == "__main__":
    main()
