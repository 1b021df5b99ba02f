"""The deployment tests' sandbox and project fixtures, for the release pages' tests."""

from tests.deployments.conftest import (  # noqa: F401  (fixtures are found by name)
    deploy,
    deployer_user,
    project,
    release_with,
    sandbox,
    seeded,
    seeded_aws,
)
