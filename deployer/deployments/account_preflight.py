"""Pre-flight against the account: a step's images, cluster, network, roles and secrets exist.

Runs once the step is substituted and before the deployment writes anything (SSM secrets
included). Every finding is logged, then the deployment fails with `ECS-Deploy-PreflightError`.
Each check can be turned off with the `DEPLOYER_PREFLIGHT_SKIP` setting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from django.conf import settings

from deployer.aws import account_checks as checks
from deployer.aws.errors import AwsError
from deployer.aws.session import ClientFactory
from deployer.deployments.failures import PREFLIGHT_ERROR, DeploymentFailed
from deployer.feeds.models import Feed
from deployer.feeds.registries import FeedError, tag_digest
from steps.document.model import StepDocument
from steps.template.preflight import validation_findings

if TYPE_CHECKING:
    from deployer.deployments.engine import DeploymentRun
    from targets.models import ClusterTarget

CHECKS = ("images", "cluster", "network", "target-groups", "roles", "secrets")


def skipped() -> frozenset[str]:
    names = frozenset(getattr(settings, "PREFLIGHT_SKIP", frozenset()))
    return frozenset(CHECKS) if "all" in names else names


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _ids(value: object) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []


def secret_uses(document: StepDocument) -> list[checks.Use]:
    """Every Secrets Manager or SSM ARN the step's containers read, with its field."""
    uses = []
    for index, container in enumerate(document.containers):
        base = f"containers[{index}]"
        for number, variable in enumerate(container.environment.variables):
            if variable.type == "secret":
                field = f"{base}.environment.variables[{number}].value"
                uses.append(checks.Use(field, variable.value))
        for number, option in enumerate(container.logging.options):
            if option.type == "secret" and container.logging.type == "manual":
                uses.append(checks.Use(f"{base}.logging.options[{number}].value", option.value))
        credentials = container.repository_credentials
        if credentials.type == "secrets_manager":
            field = f"{base}.repository_credentials.secret_arn"
            uses.append(checks.Use(field, credentials.secret_arn))
    return uses


def role_uses(document: StepDocument) -> list[checks.Use]:
    uses = []
    if arn := _text(document.configuration.task_role_arn):
        uses.append(checks.Use("configuration.task_role_arn", arn))
    if arn := _text(document.task_execution_role.arn):
        uses.append(checks.Use("task_execution_role.arn", arn))
    return uses


def image_findings(
    document: StepDocument,
    images: list[dict[str, Any]],
    feeds: dict[str, Feed],
    log: Callable[[str], None],
) -> list[checks.Finding]:
    """Each image tag the release pins for the step exists in its feed; digests are logged."""
    pinned = {(i.get("feed"), i.get("package")): str(i.get("tag", "")) for i in images}
    findings: list[checks.Finding] = []
    seen: set[tuple[str, str]] = set()
    for index, container in enumerate(document.containers):
        key = (_text(container.image.feed), _text(container.image.package))
        if key in seen or key not in pinned:
            continue
        seen.add(key)
        slug, package = key
        tag = pinned[key]
        field = f"containers[{index}].image"
        feed = feeds.get(slug)
        if feed is None:
            findings.append(checks.Finding(field, f"feed {slug} does not exist: add it."))
            continue
        try:
            digest = tag_digest(feed, package, tag)
        except FeedError as exc:
            # The feed cannot tell: that is no proof the tag is missing.
            log(f"Could not check {package}:{tag} in {feed.name}: {exc.message}")
            continue
        if digest is None:
            findings.append(
                checks.Finding(
                    field,
                    f"tag {tag} of {package} does not exist in feed {feed.name}: push it, or "
                    "create a release with a tag the feed has.",
                )
            )
        else:
            log(f"Image {package}:{tag} in {feed.name}: {digest or 'exists (no digest listed)'}.")
    return findings


def account_findings(
    document: StepDocument,
    target: ClusterTarget,
    images: list[dict[str, Any]],
    notes: list[str],
) -> list[checks.Finding]:
    """Every finding of the checks not skipped; the checks run side by side.

    What is worth telling (digests, retries, a check that could not finish) is added to `notes`:
    the task log is written by the caller's thread only.
    """
    log = notes.append
    factory = ClientFactory(target.account, on_retry=log)
    skip = skipped()
    region = target.region
    # Read here: the checks run in threads, which have database connections of their own.
    feeds = {feed.slug: feed for feed in Feed.objects.select_related("account")}

    def client(service: str, where: str = region) -> Any:
        return factory.client(service, where)

    def network() -> list[checks.Finding]:
        findings, vpcs = checks.check_network(
            client("ec2"),
            _ids(document.network.subnet_ids),
            _ids(document.network.security_group_ids),
        )
        if "target-groups" not in skip and document.load_balancer_mappings:
            uses = [
                checks.TargetGroupUse(
                    f"load_balancer_mappings[{index}].target_group_arn",
                    _text(mapping.target_group_arn),
                    int(mapping.container_port),
                )
                for index, mapping in enumerate(document.load_balancer_mappings)
            ]
            findings += checks.check_target_groups(client("elbv2"), uses, vpcs)
        return findings

    def roles() -> list[checks.Finding]:
        uses = role_uses(document)
        return checks.check_roles(client("iam"), uses) if uses else []

    providers = [_text(p.provider) for p in document.deployment.capacity_providers]
    work: dict[str, Callable[[], list[checks.Finding]]] = {
        "images": lambda: image_findings(document, images, feeds, log),
        "cluster": lambda: checks.check_cluster(client("ecs"), target.cluster_name, providers),
        "network": network,
        "roles": roles,
        "secrets": lambda: checks.check_secrets(client, secret_uses(document), region),
    }
    chosen = {name: job for name, job in work.items() if name not in skip}
    if "network" in skip and "target-groups" not in skip and document.load_balancer_mappings:
        chosen["network"] = network
    findings: list[checks.Finding] = []
    with ThreadPoolExecutor(max_workers=len(chosen) or 1) as pool:
        futures = {name: pool.submit(job) for name, job in chosen.items()}
        for name, future in futures.items():
            try:
                findings += future.result()
            except AwsError as exc:
                # AWS could not answer: no proof of a problem, so the deployment goes on.
                log(f"Pre-flight check {name} could not finish: {exc.message}")
    return findings


def check_account(run: DeploymentRun, document: StepDocument, target: ClusterTarget) -> None:
    """Fail the deployment with every finding when the account lacks what the step refers to.

    A step the validator refuses is left to it (the validation error says more).
    """
    if skipped() >= set(CHECKS) or validation_findings(document):
        return
    started = time.monotonic()
    images = list(run.release.snapshot.get("images", []))
    notes: list[str] = []
    findings = account_findings(document, target, images, notes)
    for note in notes:
        run.log.info(note)
    if not findings:
        run.log.info(
            f"Pre-flight against {target.name}: images, cluster, network, roles and secrets "
            f"found ({time.monotonic() - started:.1f}s)."
        )
        return
    run.log.error(
        f"{PREFLIGHT_ERROR}: {target.name} lacks what the step refers to; nothing was written:"
    )
    for finding in findings:
        run.log.error(f"  {finding}")
    raise DeploymentFailed(PREFLIGHT_ERROR, str(findings[0]))
