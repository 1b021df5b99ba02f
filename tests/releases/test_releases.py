"""Release versions: suggestions and validation."""

from __future__ import annotations

import pytest

from deployer.releases.snapshot import default_tag, registry_of, suggest_version, version_problem


@pytest.mark.parametrize(
    ("latest", "suggested"),
    [
        (None, "0.0.1"),
        ("1.2.3", "1.2.4"),
        ("1.2.9", "1.2.10"),
        ("2.0", "2.1"),
        ("1.0.0-beta.1", "1.0.0-beta.2"),
        ("1.0.0-rc", "1.0.1-rc"),
        ("1.4.0+build.7", "1.4.1"),
    ],
)
def test_the_suggested_version_increments_the_last_number(
    latest: str | None, suggested: str
) -> None:
    assert suggest_version(latest) == suggested


@pytest.mark.parametrize("version", ["1", "1.2", "1.2.3", "1.2.3.4", "2.0.0-beta.1", "1.0.0+sha.5"])
def test_valid_versions(version: str) -> None:
    assert version_problem(version) is None


@pytest.mark.parametrize("version", ["", "v1.0", "1.2.3.4.5", "1..2", "1.0-", "latest", "1.0 beta"])
def test_invalid_versions_say_what_a_version_looks_like(version: str) -> None:
    problem = version_problem(version)
    assert problem is not None
    assert "Enter a version" in problem or "e.g. 1.4.0" in problem


def test_the_registry_of_a_reference() -> None:
    assert registry_of("docker.io/library/nginx:1.27") == "docker.io"
    assert registry_of("123456789012.dkr.ecr.us-east-1.amazonaws.com/demo/web:1.0.0") == (
        "123456789012.dkr.ecr.us-east-1.amazonaws.com"
    )


@pytest.mark.parametrize(
    ("newest_first", "chosen"),
    [
        (["2.1.0-crash", "2.0.0", "1.1.0", "1.0.0"], "2.0.0"),  # the sandbox's push order
        (["v3.0.0-rc.1", "v2.4.1", "v2.4.0"], "v2.4.1"),
        (["1.27-alpine", "1.27", "1.26"], "1.27"),
        (["latest", "1.2.0"], "1.2.0"),  # a version is pinned rather than a moving name
        (["2.0.0-beta.2", "latest"], "latest"),  # no version at all: not a pre-release
        (["2.0.0-beta.2", "2.0.0-beta.1"], "2.0.0-beta.2"),  # nothing else to pick
        ([], ""),
    ],
)
def test_the_default_tag_is_the_newest_stable_one(newest_first: list[str], chosen: str) -> None:
    assert default_tag(newest_first) == chosen
