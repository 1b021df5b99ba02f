"""Deploy N releases through the real queue against the sandbox, and compare with plain boto3.

Reports, in one run, for the same step and the same sandbox speed, with Deployer at its default
poll settings (DEPLOYER_POLL_SECONDS unset) and a baseline that drives the same template with a
bare boto3 loop polling at a fixed 1 s (create stack, wait, wait for the ECS rollout):
- the overhead per deployment over the baseline (goal <= 0.25 s),
- AWS calls per deployment against the baseline's (goal <= 1.5x),
- the mean time from the sandbox reaching the final state (the stack's final status event, or
  the ECS deployment's COMPLETED time, whichever is later) to the deployment ending (goal <= 1 s).
Run: `.venv/bin/python bench/bench_deploy.py [N]`.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = Path(tempfile.mkdtemp(prefix="deployer-bench-"))
BASELINE_POLL = 1.0
os.environ.update(
    DJANGO_SETTINGS_MODULE="deployer.settings",
    DEPLOYER_DATA_DIR=str(DATA),
    DEPLOYER_WORKERS="1",
)
# Deployer's default poll settings are what is measured.
os.environ.pop("DEPLOYER_POLL_SECONDS", None)
os.environ.pop("DATABASE_URL", None)

import boto3  # noqa: E402
import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from deployer.deployments.actions import start_deployment  # noqa: E402
from deployer.deployments.models import Deployment  # noqa: E402
from deployer.projects.models import Project  # noqa: E402
from deployer.releases.actions import create_release  # noqa: E402
from deployer.sandbox.calls import CallLog  # noqa: E402
from deployer.sandbox.seed import seed_aws  # noqa: E402
from deployer.sandbox.server import SandboxServer  # noqa: E402
from steps.document.io import load_document  # noqa: E402
from steps.models import Step  # noqa: E402
from steps.template.builder import DeployContext, render_template  # noqa: E402
from targets.models import Environment  # noqa: E402

# Slow enough that a deployment lasts seconds, as polling intervals of seconds assume.
SPEED = 10.0
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


def session() -> Any:
    return boto3.session.Session("bench", "bench", region_name="us-east-1")


def final_state_time(url: str, stack_name: str, cluster: str) -> dt.datetime:
    """When the sandbox reached the final state: the later of the stack's final status event
    and its service's ECS deployment reaching COMPLETED, as the sandbox recorded them."""
    cfn = session().client("cloudformation", endpoint_url=url)
    ecs = session().client("ecs", endpoint_url=url)
    events = cfn.describe_stack_events(StackName=stack_name)["StackEvents"]
    stack_final = next(
        e["Timestamp"]
        for e in events
        if e["ResourceType"] == "AWS::CloudFormation::Stack"
        and not e["ResourceStatus"].endswith("_IN_PROGRESS")
    )
    stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    service = ecs.describe_services(cluster=cluster, services=[outputs["ServiceName"]])
    completed = [
        d["updatedAt"]
        for d in service["services"][0]["deployments"]
        if d.get("rolloutState") == "COMPLETED"
    ]
    return max([stack_final, *completed])


def baseline(
    url: str, document_text: str, seeded: Any, n: int
) -> list[tuple[float, dt.datetime, str]]:
    """The same template, driven with bare boto3 polling every BASELINE_POLL seconds.

    Returns (duration, when the loop ended, stack name) per deployment.
    """
    cfn = session().client("cloudformation", endpoint_url=url)
    ecs = session().client("ecs", endpoint_url=url)
    image = f"{seeded.repository_uri}:1.0.0"
    results = []
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
            time.sleep(BASELINE_POLL)
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        while True:
            service = ecs.describe_services(
                cluster="development", services=[outputs["ServiceName"]]
            )["services"][0]
            if all(d.get("rolloutState") == "COMPLETED" for d in service["deployments"]):
                break
            time.sleep(BASELINE_POLL)
        duration = time.monotonic() - started
        ended = dt.datetime.now(dt.UTC)
        results.append((duration, ended, f"baseline-{index}"))
    return results


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    call_command("migrate", verbosity=0)
    sandbox = SandboxServer(speed=SPEED)
    calls = CallLog(sandbox.app)
    sandbox.app = calls  # type: ignore[assignment]
    sandbox.start()
    try:
        seeded = seed_aws(sandbox.url)
        call_command("seed_sandbox", url=sandbox.url, stdout=io.StringIO())
        text = STEP.replace("{sg}", seeded.security_group_id).replace(
            "{subnets}", ", ".join(seeded.subnet_ids)
        )
        calls.clear()
        base_runs = baseline(sandbox.url, text, seeded, n)
        base_calls = len(calls.calls) / n
        # Read after counting: these reads are the bench's, not the baseline's.
        base_lags = [
            (ended - final_state_time(sandbox.url, name, "development")).total_seconds()
            for _, ended, name in base_runs
        ]

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
            calls.clear()
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
        deployer_calls = len(calls.calls) / n
        by_action = Counter(calls.actions())
        rows = [Deployment.objects.get(pk=d.pk) for d in deployments]
        failed = [d.pk for d in rows if d.status != "success"]
        pickup = [(d.started - d.created).total_seconds() for d in rows if d.started]
        # Deployments queue behind each other on one worker: pickup of the first is pure queue
        # latency; later ones include waiting for the worker to be free.
        first_pickup = pickup[0] if pickup else float("nan")
        durations = [(d.finished - d.started).total_seconds() for d in rows if d.finished]
        lags = [
            (
                d.finished
                - final_state_time(
                    sandbox.url,
                    d.outputs["Deploy web"]["CloudFormationStackName"],
                    d.outputs["Deploy web"]["ClusterName"],
                )
            ).total_seconds()
            for d in rows
            if d.finished and d.status == "success"
        ]
    finally:
        sandbox.stop()

    base = statistics.median(run[0] for run in base_runs)
    ours = statistics.median(durations)
    overhead = ours - base
    ratio = deployer_calls / base_calls
    lag = statistics.mean(lags) if lags else float("nan")

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT MET"

    print(
        f"sandbox speed {SPEED:g}, {n} deployments, 1 worker; Deployer at default poll settings "
        f"(longest interval {settings.POLL_SECONDS:g} s, adaptive); baseline: bare "
        f"boto3 polling every {BASELINE_POLL:g} s"
    )
    print(f"baseline (bare boto3) median        {base:7.2f} s")
    print(f"Deployer deployment median          {ours:7.2f} s   ratio {ours / base:5.2f}x")
    print(
        f"  overhead over baseline            {overhead:7.2f} s per deployment"
        f"   goal <= 0.25 s: {verdict(overhead <= 0.25)}"
    )
    print(f"queue pickup latency (first)        {first_pickup:7.2f} s")
    print(
        f"AWS calls per deployment            {deployer_calls:7.1f}   baseline {base_calls:.1f}"
        f"   ratio {ratio:5.2f}x   goal <= 1.5x: {verdict(ratio <= 1.5)}"
    )
    print(
        "  of which: "
        + ", ".join(f"{action} {count / n:.1f}" for action, count in by_action.most_common())
    )
    print(
        f"final state -> deployment ended     {lag:7.2f} s mean   baseline "
        f"{statistics.mean(base_lags):.2f} s   goal <= 1 s: {verdict(lag <= 1.0)}"
    )
    if failed:
        print(f"FAILED deployments: {failed}")
        sys.exit(1)


if __name__ == "__main__":
    main()
