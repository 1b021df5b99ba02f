"""The release writer: creating a release from a project's steps, variables and image tags."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from deployer.feeds.models import Feed
from deployer.feeds.registries import FeedError, image_reference, list_tags
from deployer.projects.models import Project
from deployer.projects.variables import project_values, sensitive_variables
from deployer.releases.models import Release
from deployer.releases.snapshot import default_tag, images_used, version_problem
from steps.document.io import document_to_data
from steps.document.model import DocumentError
from steps.validation.step import validate

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class ActionRefused(Exception):
    """The action cannot be done; `messages` say why, each naming what to fix."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


def choose_tags(
    project: Project, pinned: Mapping[str, str], *, check_pinned: bool = False
) -> dict[str, str]:
    """The tag of each image of the project, by image key, for `create_release`.

    `pinned` maps package names (`demo/web`) to tags; the other images get their feed's newest
    stable tag, as the release form preselects. With `check_pinned`, a pinned tag the feed does
    not list is refused, naming it. Refused for a package the project does not use, or an
    image whose feed cannot list tags.
    """
    remaining = dict(pinned)
    try:
        documents = [step.to_document() for step in project.steps.all()]
    except DocumentError as exc:
        raise ActionRefused([f"A step of {project.name} cannot be read: {exc}"]) from exc
    tags: dict[str, str] = {}
    problems: list[str] = []
    feeds = {feed.slug: feed for feed in Feed.objects.select_related("account")}
    for use in images_used(documents):
        feed = feeds.get(use.feed)
        tag = remaining.pop(use.package, None)
        if feed is None:
            if tag is not None:
                tags[use.key] = tag
            continue  # create_release names the missing feed
        try:
            if tag is None:
                newest = list_tags(feed, use.package)
                if not newest:
                    problems.append(
                        f"{feed.name} has no tags for {use.package}; pin one ({use.package}=TAG)."
                    )
                    continue
                tag = default_tag(newest)
            elif check_pinned and tag not in list_tags(feed, use.package, None, query=tag):
                problems.append(f"Image {use.package}: {feed.name} has no tag “{tag}”.")
                continue
        except FeedError as exc:
            problems.append(f"{exc.message} Pin the tag of {use.package} to choose it.")
            continue
        tags[use.key] = tag
    if remaining:
        problems.append(
            f"{project.name} uses no image named {', '.join(sorted(remaining))}; its images: "
            + (", ".join(u.package for u in images_used(documents)) or "none")
        )
    if problems:
        raise ActionRefused(problems)
    return tags


def create_release(
    project: Project,
    *,
    version: str,
    tags: Mapping[str, str],
    notes: str = "",
    user: User | None = None,
) -> Release:
    """Snapshot the project's steps and variables with one pinned tag per image.

    `tags` maps each image's key (`feed/package`, see `ImageUse.key`) to its tag. Refused when
    the project has no steps, the version is invalid or taken, a step is invalid for its literal
    values, or an image has no usable tag.
    """
    steps = list(project.steps.all())
    if not steps:
        raise ActionRefused(["Add a step before creating a release."])
    problems: list[str] = []
    version = version.strip()
    if problem := version_problem(version):
        problems.append(problem)
    elif project.releases.filter(version=version).exists():
        problems.append(f"Version {version} already exists in {project.name}; choose another.")
    # Where sensitive variables are bound is checked now, not first at deploy time.
    values = project_values(project)
    sensitive = sensitive_variables(values)
    documents = []
    for step in steps:
        try:
            document = step.to_document()
        except DocumentError as exc:
            problems.append(f"Step {step.name} cannot be read: {exc}")
            continue
        documents.append(document)
        problems.extend(
            f"Step {step.name}: {issue.path}: {issue.message}"
            for issue in validate(document, sensitive)
        )
    images = []
    feeds = {feed.slug: feed for feed in Feed.objects.select_related("account")}
    for use in images_used(documents):
        tag = (tags.get(use.key) or "").strip()
        feed = feeds.get(use.feed)
        if feed is None:
            problems.append(f"Image {use.package}: the feed “{use.feed}” does not exist.")
            continue
        if not tag:
            problems.append(f"Image {use.package}: choose a tag.")
            continue
        try:
            reference = image_reference(feed, use.package, tag)
        except FeedError as exc:
            problems.append(f"Image {use.package}: {exc.message}")
            continue
        images.append({"feed": use.feed, "package": use.package, "tag": tag, "image": reference})
    if problems:
        raise ActionRefused(problems)
    snapshot = {
        "project": {"id": project.pk, "name": project.name, "slug": project.slug},
        "steps": [{"name": d.name, "document": document_to_data(d)} for d in documents],
        "variables": [value.to_snapshot() for value in values],
        "images": images,
    }
    try:
        with transaction.atomic():
            return Release.objects.create(
                project=project, version=version, notes=notes, snapshot=snapshot, created_by=user
            )
    except IntegrityError as exc:  # a concurrent release took the version first
        raise ActionRefused([f"Version {version} already exists in {project.name}."]) from exc
