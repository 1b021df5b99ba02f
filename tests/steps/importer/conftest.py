"""The deployment tests' seeded sandbox, for importing its legacy-web service."""

from tests.deployments.conftest import (  # noqa: F401  (fixtures are found by name)
    deploy,
    deployer_user,
    sandbox,
    seeded,
    seeded_aws,
)
