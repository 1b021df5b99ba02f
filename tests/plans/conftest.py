"""The deployments' sandbox fixtures, shared by the plan and drift tests."""

from __future__ import annotations

from tests.deployments.conftest import (  # noqa: F401
    deploy,
    deployer_user,
    project,
    release_with,
    sandbox,
    seeded,
    seeded_aws,
)
