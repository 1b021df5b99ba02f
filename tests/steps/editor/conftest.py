"""The deployment tests' seeded sandbox, for the pickers that list what an account has."""

from tests.deployments.conftest import (  # noqa: F401  (fixtures are found by name)
    sandbox,
    seeded,
    seeded_aws,
)
