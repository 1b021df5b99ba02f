"""ECR calls for image feeds: a repository's URI, its tags newest first, a reachability check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from deployer.aws.errors import AwsError, aws_errors

REPOSITORY_NOT_FOUND = "RepositoryNotFoundException"


@dataclass(frozen=True)
class PushedTag:
    """One tag of a repository and when its image was pushed."""

    tag: str
    pushed_at: datetime | None


def repository_uri(client: Any, repository_name: str) -> str:
    """The repository's URI (`<registry>/<name>`), exactly as ECR reports it.

    Taken from DescribeRepositories rather than built from the account id and region, so an
    AWS-compatible endpoint (the local sandbox, a FIPS or China partition) is used as it is.
    """
    with aws_errors("ecr:DescribeRepositories"):
        response = client.describe_repositories(repositoryNames=[repository_name])
    repositories = response.get("repositories", [])
    if not repositories:
        raise AwsError(
            f"Repository {repository_name} not found.", code=REPOSITORY_NOT_FOUND, retryable=False
        )
    return str(repositories[0]["repositoryUri"])


def tags_newest_first(client: Any, repository_name: str) -> list[PushedTag]:
    """Every tag in the repository, the most recently pushed image first.

    An image carrying several tags contributes them all, next to each other.
    """
    images: list[tuple[datetime | None, int, list[str]]] = []
    with aws_errors("ecr:DescribeImages"):
        paginator = client.get_paginator("describe_images")
        pages = paginator.paginate(repositoryName=repository_name, filter={"tagStatus": "TAGGED"})
        for page in pages:
            for image in page.get("imageDetails", []):
                images.append((image.get("imagePushedAt"), len(images), image.get("imageTags", [])))
    # AWS stamps pushes with sub-second precision; endpoints that keep whole seconds (moto) can
    # tie, and then the order DescribeImages lists them in (push order) decides.
    images.sort(key=lambda item: (item[0].timestamp() if item[0] else 0.0, item[1]))
    return [PushedTag(tag, pushed_at) for pushed_at, _, tags in reversed(images) for tag in tags]


def count_repositories(client: Any) -> int:
    """How many repositories the registry shows these credentials (at most one page's worth)."""
    with aws_errors("ecr:DescribeRepositories"):
        response = client.describe_repositories(maxResults=100)
    return len(response.get("repositories", []))


def image_digests(client: Any, repository_name: str, tags: list[str]) -> dict[str, str]:
    """The digest of each tag that exists in the repository (missing tags are left out).

    One BatchGetImage call: unlike DescribeImages it answers for the tags that exist when
    others do not.
    """
    if not tags:
        return {}
    with aws_errors("ecr:BatchGetImage"):
        response = client.batch_get_image(
            repositoryName=repository_name,
            imageIds=[{"imageTag": tag} for tag in tags],
            acceptedMediaTypes=[
                "application/vnd.docker.distribution.manifest.v2+json",
                "application/vnd.oci.image.manifest.v1+json",
                "application/vnd.oci.image.index.v1+json",
                "application/vnd.docker.distribution.manifest.list.v2+json",
            ],
        )
    return {
        str(image["imageId"].get("imageTag", "")): str(image["imageId"].get("imageDigest", ""))
        for image in response.get("images", [])
    }
