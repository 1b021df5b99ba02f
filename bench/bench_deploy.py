"""Deploy N releases through the real queue against the sandbox, and compare with plain boto3.

Reports, for the same step and the same sandbox speed: the time from queueing to a worker
picking the deployment up, the deployment's wall time against a baseline that drives the same
template with bare boto3 calls (create stack, wait, wait for the ECS rollout), and AWS API calls
per deployment for both. Run: `.venv/bin/python bench/bench_deploy.py [N]`.
"""

from __future__ import annotations

import io
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = Path(tempfile.mkdtemp(prefix="deployer-bench-"))
POLL = "0.2"
os.environ.update(
    DJANGO_SETTINGS_MODULE="deployer.settings",
    DEPLOYER_DATA_DIR=str(DATA),
    DEPLOYER_POLL_SECONDS=POLL,
    DEPLOYER_WORKERS="1",
)
os.environ.pop("DATABASE_URL", None)

import boto3  # noqa: E402
import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from deployer.deployments.actions import start_deployment  # noqa: E402
from deployer.deployments.models import Deployment  # noqa: E402
from deployer.projects.models import Project  # noqa: E402
from deployer.releases.actions import create_release  # noqa: E402
from deployer.sandbox.seed import seed_aws  # noqa: E402
from deployer.sandbox.server import SandboxServer  # noqa: E402
from steps.document.io import load_document  # noqa: E402
from steps.models import Step  # noqa: E402
from steps.template.builder import DeployContext, render_template  # noqa: E402
from targets.models import Environment  # noqa: E402

SPEED = 50.0
STEP = """
version: 1
name: Deploy web
target_roles: [web-cluster]
configuration: {{task_definition_name: {family}}}
network: {{security_group_ids: [{sg}], subnet_ids: [{subnets}]}}
containers:
  - name: web
    image: {{feed: sandbox-ecr, package: demo/web}}
    port_mappings: [{{container_port: 80}}]
"""


class CountingApp:
    """Counts the AWS calls reaching the sandbox, by X-Amz-Target / Action."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.calls: Counter[str] = Counter()
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if not environ.get("PATH_INFO", "").startswith("/moto-api"):
            with self.lock:
                self.calls["total"] += 1
        return self.app(environ, start_response)

    def stop(self) -> None:
        self.app.stop()


def baseline(url: str, document_text: str, seeded: Any, n: int) -> list[float]:
    """The same template, driven with bare boto3: create, poll, wait for the rollout."""
    session = boto3.session.Session("bench", "bench", region_name="us-east-1")
    cfn = session.client("cloudformation", endpoint_url=url)
    ecs = session.client("ecs", endpoint_url=url)
    image = f"{seeded.repository_uri}:1.0.0"
    times = []
    for index in range(n):
        document = load_document(document_text.format(family=f"base{index}"))
        body = render_template(
            document, DeployContext("development", "us-east-1", "Baseline", {"demo/web": image})
        )
        started = time.monotonic()
        stack_id = cfn.create_stack(
            StackName=f"baseline-{index}", TemplateBody=body, Capabilities=["CAPABILITY_IAM"]
        )["StackId"]
        while True:
            stack = cfn.describe_stacks(StackName=stack_id)["Stacks"][0]
            if not stack["StackStatus"].endswith("_IN_PROGRESS"):
                break
            time.sleep(float(POLL))
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        while True:
            service = ecs.describe_services(
                cluster="development", services=[outputs["ServiceName"]]
            )["services"][0]
            if all(d.get("rolloutState") == "COMPLETED" for d in service["deployments"]):
                break
            time.sleep(float(POLL))
        times.append(time.monotonic() - started)
    return times


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    call_command("migrate", verbosity=0)
    sandbox = SandboxServer(speed=SPEED)
    counting = CountingApp(sandbox.app)
    sandbox.app = counting  # type: ignore[assignment]
    sandbox.start()
    try:
        seeded = seed_aws(sandbox.url)
        call_command("seed_sandbox", url=sandbox.url, stdout=io.StringIO())
        text = STEP.replace("{sg}", seeded.security_group_id).replace(
            "{subnets}", ", ".join(seeded.subnet_ids)
        )
        counting.calls.clear()
        base_times = baseline(sandbox.url, text, seeded, n)
        base_calls = counting.calls["total"] / n

        releases = []
        for index in range(n):
            project = Project.objects.create(name=f"Bench {index}", slug=f"bench-{index}")
            Step.from_document(project, load_document(text.format(family=f"bench{index}"))).save()
            releases.append(
                create_release(project, version="1.0.0", tags={"sandbox-ecr/demo/web": "1.0.0"})
            )
        worker = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "qcluster"],
            env={**os.environ, "DEPLOYER_SANDBOX_URL": sandbox.url},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(3)  # let the cluster start before the clock runs
            counting.calls.clear()
            development = Environment.objects.get(name="Development")
            deployments = [start_deployment(r, development, None) for r in releases]
            deadline = time.monotonic() + 600
            while Deployment.objects.filter(status__in=Deployment.UNFINISHED).exists():
                if time.monotonic() > deadline:
                    raise SystemExit("Deployments did not finish within 10 minutes.")
                time.sleep(0.2)
        finally:
            worker.terminate()
            worker.wait(30)
        deployer_calls = counting.calls["total"] / n
        rows = [Deployment.objects.get(pk=d.pk) for d in deployments]
        failed = [d.pk for d in rows if d.status != "success"]
        pickup = [(d.started - d.created).total_seconds() for d in rows if d.started]
        # Deployments queue behind each other on one worker: pickup of the first is pure queue
        # latency; later ones include waiting for the worker to be free.
        first_pickup = pickup[0] if pickup else float("nan")
        durations = [(d.finished - d.started).total_seconds() for d in rows if d.finished]
    finally:
        sandbox.stop()

    base = statistics.median(base_times)
    ours = statistics.median(durations)
    print(f"sandbox speed {SPEED:g}, poll {POLL}s, {n} deployments, 1 worker")
    print(f"baseline (bare boto3) median        {base:7.2f} s")
    print(f"Deployer deployment median          {ours:7.2f} s   ratio {ours / base:5.2f}x")
    print(f"  overhead over baseline            {ours - base:7.2f} s per deployment")
    print(f"queue pickup latency (first)        {first_pickup:7.2f} s")
    print(
        f"AWS calls per deployment            {deployer_calls:7.1f}   baseline {base_calls:.1f}"
        f"   ratio {deployer_calls / base_calls:5.2f}x"
    )
    if failed:
        print(f"FAILED deployments: {failed}")
        sys.exit(1)


if __name__ == "__main__":
    main()
