"""Importing a running service: read it from a cluster target, then create the step from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from deployer.aws.errors import AwsError
from deployer.aws.services import (
    ServiceSummary,
    caller_account_id,
    describe_service,
    list_services,
)
from deployer.aws.session import ClientFactory
from deployer.feeds.models import Feed
from deployer.projects.models import Project
from steps.actions import AnyUser, DuplicateStepName, ImportResult, import_step
from steps.document.io import dump_document
from steps.importer.images import FeedRegistry
from steps.importer.mapping import ImportedService, map_service
from steps.models import Step
from steps.validation.step import ValidationIssue, validate
from targets.models import ClusterTarget


@dataclass(frozen=True)
class ServicePreview:
    """A service mapped to a step, with what the validator says of the result."""

    target: ClusterTarget
    service_name: str
    imported: ImportedService
    issues: list[ValidationIssue] = field(default_factory=list)

    @property
    def yaml(self) -> str:
        return dump_document(self.imported.document)


def default_step_name(service_name: str) -> str:
    return f"Deploy {service_name}"


def services_of(target: ClusterTarget) -> list[ServiceSummary]:
    """The target cluster's services, asked while a person waits (AwsError when AWS fails)."""
    factory = ClientFactory(target.account, interactive=True)
    return list_services(factory.client("ecs", target.region), target.cluster_name)


def feed_registries() -> list[FeedRegistry]:
    """Every feed with the registry host it serves (an ECR feed's from its account's id)."""
    registries = []
    account_ids: dict[int, str] = {}
    for feed in Feed.objects.select_related("account").order_by("name"):
        host = ""
        if feed.kind == Feed.Kind.ECR and feed.account is not None:
            if feed.account.pk not in account_ids:
                try:
                    factory = ClientFactory(feed.account, interactive=True)
                    sts = factory.client("sts", feed.region or "us-east-1")
                    account_ids[feed.account.pk] = caller_account_id(sts)
                except AwsError:
                    # Unknown: the feed then serves any ECR registry in its region.
                    account_ids[feed.account.pk] = ""
            account = account_ids[feed.account.pk]
            host = f"{account}.dkr.ecr.{feed.region}.amazonaws.com" if account else ""
        elif feed.kind == Feed.Kind.REGISTRY:
            host = urlsplit(feed.url).netloc.rpartition("@")[2]
        registries.append(FeedRegistry(feed.slug, feed.kind, host, feed.region))
    return registries


def read_service(
    target: ClusterTarget, service_name: str, *, step_name: str = "", interactive: bool = True
) -> ServicePreview:
    """Describe the service in the target's cluster and map it to a step document.

    The step's target roles are the target's. Raises AwsError when AWS cannot answer or the
    cluster has no such service.
    """
    factory = ClientFactory(target.account, interactive=interactive)
    described = describe_service(
        factory.client("ecs", target.region), target.cluster_name, service_name
    )
    imported = map_service(
        described.service,
        described.task_definition,
        step_name=step_name or default_step_name(service_name),
        target_roles=sorted(target.roles.values_list("name", flat=True)),
        feeds=feed_registries(),
        task_definition_tags=described.task_definition_tags,
    )
    return ServicePreview(target, service_name, imported, validate(imported.document))


def create_step_from_service(
    project: Project, preview: ServicePreview, user: AnyUser = None
) -> ImportResult:
    """Add the imported step to the project through the step document import path.

    Never replaces a step: ``DuplicateStepName`` when the project has one by that name. Raises
    ``DocumentError`` (every problem) when the document is not valid; nothing is saved then.
    """
    name = preview.imported.document.name
    if Step.objects.filter(project=project, name=name).exists():
        raise DuplicateStepName(
            f"the project already has a step named {name!r}: choose another name"
        )
    return import_step(project, preview.yaml, user=user)
