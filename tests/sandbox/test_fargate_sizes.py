"""The sandbox refuses exactly the Fargate sizes the step validator refuses."""

from __future__ import annotations

from deployer.sandbox.fargate import FARGATE_SIZES
from steps.validation.step import FARGATE_MEMORY_BY_CPU


def test_the_sandbox_and_the_validator_share_one_fargate_size_table() -> None:
    # Two copies, because the sandbox must not import the product; this keeps them one table.
    assert FARGATE_SIZES == FARGATE_MEMORY_BY_CPU
