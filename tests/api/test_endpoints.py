"""What each endpoint answers: releases, deployments, the step document, the log, decisions."""

from __future__ import annotations

import json
from collections.abc import Callable

import yaml
from django.test import Client

from deployer.audit.models import AuditEvent
from deployer.deployments.models import Deployment
from deployer.deployments.tasklog import TaskLog
from deployer.projects.models import Project
from deployer.releases.models import Release
from tests.api.conftest import STEP, deployment_to
from tests.conftest import make_project

API = "/api/v1"
STEP_URL = f"{API}/projects/payments/steps/Deploy%20web"


def post(client: Client, path: str, body: object) -> object:
    return client.post(f"{API}{path}", body, content_type="application/json")


def test_projects_are_listed_paginated_and_only_those_the_user_may_see(
    api_as: Callable[[str], Client], payments: Project
) -> None:
    make_project("Billing", "billing")
    assert api_as("admin").get(f"{API}/projects?limit=1").json() == {
        "items": [{"slug": "billing", "name": "Billing", "description": ""}],
        "count": 2,
    }
    mine = api_as("outsider").get(f"{API}/projects").json()
    assert [item["slug"] for item in mine["items"]] == ["payments"]
    detail = api_as("outsider").get(f"{API}/projects/payments").json()
    assert detail["steps"] == ["Deploy web"] and detail["url"].endswith("/projects/payments/")
    assert api_as("outsider").get(f"{API}/projects/billing").status_code == 403
    assert api_as("admin").get(f"{API}/projects/nope").json() == {"detail": "Not Found"}


def test_a_release_is_created_once_and_a_duplicate_is_a_conflict(
    api_as: Callable[[str], Client], payments: Project
) -> None:
    client = api_as("developer")
    created = post(client, "/projects/payments/releases", {"images": {"nginx": "1.26"}})
    assert created.status_code == 201, created.content  # type: ignore[attr-defined]
    assert created.json()["version"] == "0.0.1"  # type: ignore[attr-defined]
    release = Release.objects.get(version="0.0.1")
    assert release.snapshot["images"][0]["tag"] == "1.26" and release.created_by.username == "dev"
    event = AuditEvent.objects.get(kind="release.created")
    assert (event.source, event.username) == ("api", "dev")
    again = post(client, "/projects/payments/releases", {"version": "0.0.1"})
    assert again.status_code == 409  # type: ignore[attr-defined]
    assert "0.0.1 already exists" in again.json()["detail"]  # type: ignore[attr-defined]
    newest = post(client, "/projects/payments/releases", {"version": "0.0.2"})
    assert Release.objects.get(version="0.0.2").snapshot["images"][0]["tag"] == "1.27"
    assert newest.status_code == 201  # type: ignore[attr-defined]


def test_an_unknown_tag_or_image_is_a_400_naming_it(
    api_as: Callable[[str], Client], payments: Project
) -> None:
    client = api_as("developer")
    tag = post(client, "/projects/payments/releases", {"images": {"nginx": "9.9.9"}})
    assert tag.status_code == 400  # type: ignore[attr-defined]
    assert "9.9.9" in tag.json()["detail"]  # type: ignore[attr-defined]
    image = post(client, "/projects/payments/releases", {"images": {"redis": "7"}})
    assert image.status_code == 400  # type: ignore[attr-defined]
    assert "no image named redis" in image.json()["detail"]  # type: ignore[attr-defined]
    assert not Release.objects.exists()


def test_deploying_queues_or_is_refused_by_rights_or_lifecycle(
    api_as: Callable[[str], Client], release: Release
) -> None:
    path = "/projects/payments/releases/1.0.0/deployments"
    queued = post(api_as("developer"), path, {"environment": "development"})
    assert queued.status_code == 201  # type: ignore[attr-defined]
    body = queued.json()  # type: ignore[attr-defined]
    assert body["status"] == "queued" and body["url"].endswith(f"/deployments/{body['id']}/")
    assert Deployment.objects.get(pk=body["id"]).created_by.username == "dev"
    refused = post(api_as("developer"), path, {"environment": "Production"})
    assert refused.status_code == 403  # type: ignore[attr-defined]
    assert "Deployer role" in refused.json()["detail"]  # type: ignore[attr-defined]
    too_early = post(api_as("release_manager"), path, {"environment": "Production"})
    assert too_early.status_code == 409  # type: ignore[attr-defined]
    assert "Staging" in too_early.json()["detail"]  # type: ignore[attr-defined]
    unknown = post(api_as("admin"), path, {"environment": "Moon"})
    assert unknown.status_code == 400  # type: ignore[attr-defined]
    assert "Development, Staging, Production" in unknown.json()["detail"]  # type: ignore[attr-defined]
    missing = post(
        api_as("admin"), "/projects/payments/releases/7.0/deployments", {"environment": "Staging"}
    )
    assert missing.status_code == 404  # type: ignore[attr-defined]


def test_the_deployment_and_its_log_after_a_line(
    api_as: Callable[[str], Client], release: Release
) -> None:
    deployment = deployment_to(release, "Staging", Deployment.Status.FAILED)
    deployment.failure_code = "ECS-Deployment-DeployFailed"
    deployment.failure_reason = "Essential container in task exited"
    deployment.save()
    log = TaskLog(deployment)
    for text in ("one", "two", "three"):
        log.info(text)
    client = api_as("outsider")
    state = client.get(f"{API}/deployments/{deployment.pk}").json()
    assert state["status"] == "failed" and state["finished"] is True
    assert state["error_code"] == "ECS-Deployment-DeployFailed"
    assert state["error_reason"] == "Essential container in task exited"
    assert (state["release"], state["environment"], state["log_lines"]) == ("1.0.0", "Staging", 3)
    page = client.get(f"{API}/deployments/{deployment.pk}/log?after=1&limit=1").json()
    assert [line["text"] for line in page["lines"]] == ["two"]
    assert page["last"] == 2 and page["finished"] is False  # more lines to read
    rest = client.get(f"{API}/deployments/{deployment.pk}/log?after=2").json()
    assert [line["text"] for line in rest["lines"]] == ["three"] and rest["finished"] is True
    assert client.get(f"{API}/deployments/999999").status_code == 404


def test_cancel_approve_and_reject(api_as: Callable[[str], Client], release: Release) -> None:
    rita = api_as("release_manager")
    waiting = deployment_to(release, "Production", Deployment.Status.AWAITING_APPROVAL)
    approved = post(rita, f"/deployments/{waiting.pk}/approve", {"comment": "ship it"})
    assert approved.json()["status"] == "queued"  # type: ignore[attr-defined]
    twice = rita.post(f"{API}/deployments/{waiting.pk}/reject", content_type="application/json")
    assert twice.status_code == 409 and "not awaiting approval" in twice.json()["detail"]
    cancelled = rita.post(f"{API}/deployments/{waiting.pk}/cancel")
    assert cancelled.json()["status"] == "cancelled"
    ended = rita.post(f"{API}/deployments/{waiting.pk}/cancel")
    assert ended.status_code == 409 and "has ended" in ended.json()["detail"]
    other = deployment_to(release, "Production", Deployment.Status.AWAITING_APPROVAL)
    rejected = post(rita, f"/deployments/{other.pk}/reject", {"comment": "not today"})
    assert rejected.json()["status"] == "rejected"  # type: ignore[attr-defined]


def test_the_step_document_in_json_and_yaml(
    api_as: Callable[[str], Client], payments: Project
) -> None:
    client = api_as("developer")
    data = client.get(STEP_URL).json()
    assert data["configuration"]["task_definition_name"] == "payments-web"
    assert data["task_size"] == {"cpu": 256, "memory": 512}  # every effective value
    text = client.get(STEP_URL, headers={"Accept": "application/yaml"})
    assert text["Content-Type"].startswith("application/yaml")
    assert yaml.safe_load(text.content)["name"] == "Deploy web"
    data["task_size"]["memory"] = 1024
    # JSON may be indented with tabs, which YAML never allows.
    tabbed = json.dumps(data, indent="\t")
    replaced = client.put(STEP_URL, tabbed, content_type="application/json")
    assert replaced.status_code == 200 and replaced.json()["revision"] == 2
    assert client.get(STEP_URL).json()["task_size"]["memory"] == 1024
    new = STEP.replace("Deploy web", "Deploy worker")
    created = client.put(
        f"{API}/projects/payments/steps/Deploy%20worker", new, content_type="application/yaml"
    )
    assert created.status_code == 201 and created.json()["created"] is True
    assert client.get(f"{API}/projects/payments/steps/nope").status_code == 404


def test_an_invalid_step_document_is_a_400_listing_the_validators_findings(
    api_as: Callable[[str], Client], payments: Project
) -> None:
    client = api_as("developer")
    broken = STEP.replace("sg-0123456789abcdef0", "not-a-group").replace(
        "network:", "netwrk:\n  x: 1\nnetwork:"
    )
    answer = client.put(STEP_URL, broken, content_type="application/yaml")
    assert answer.status_code == 400
    problems = answer.json()["problems"]
    assert {
        "path": "netwrk",
        "line": 6,
        "message": "unknown field (did you mean network?)",
    } in problems
    invalid = client.put(
        STEP_URL,
        STEP.replace("sg-0123456789abcdef0", "not-a-group"),
        content_type="application/yaml",
    )
    assert invalid.status_code == 400
    assert invalid.json()["problems"][0]["path"] == "network.security_group_ids[0]"
    assert "nothing was changed" in invalid.json()["detail"]
    renamed = client.put(
        f"{API}/projects/payments/steps/Other", STEP, content_type="application/yaml"
    )
    assert renamed.status_code == 400 and "Deploy web" in renamed.json()["detail"]
