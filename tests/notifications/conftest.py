"""The API tests' people and the Payments project with one step and a release."""

from tests.api.conftest import (  # noqa: F401  (fixtures are found by name)
    _docker_hub,
    payments,
    people,
    release,
)
