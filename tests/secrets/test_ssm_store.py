"""Storing a secret in SSM: written once per value, and never over a parameter of another type."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from deployer.aws.errors import AwsError
from deployer.aws.ssm import store_secure_string

NAME = "/deployer/web/Production/DbPassword"


@pytest.fixture
def ssm() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("ssm", region_name="us-east-1")


def test_a_new_value_is_stored_encrypted_and_an_unchanged_one_is_not_written(ssm: Any) -> None:
    first = store_secure_string(ssm, NAME, "pw-1", description="test")
    assert (first.written, first.version) == (True, 1)
    assert first.arn.endswith(f":parameter{NAME}")
    parameter = ssm.get_parameter(Name=NAME, WithDecryption=True)["Parameter"]
    assert (parameter["Type"], parameter["Value"]) == ("SecureString", "pw-1")
    same = store_secure_string(ssm, NAME, "pw-1", description="test")
    assert (same.written, same.version, same.arn) == (False, 1, first.arn)
    changed = store_secure_string(ssm, NAME, "pw-2", description="test")
    assert (changed.written, changed.version, changed.arn) == (True, 2, first.arn)


def test_a_plain_string_parameter_of_that_name_is_not_overwritten(ssm: Any) -> None:
    ssm.put_parameter(Name=NAME, Value="someone else's", Type="String")
    with pytest.raises(AwsError) as raised:
        store_secure_string(ssm, NAME, "pw-1", description="test")
    assert f"SSM parameter {NAME} exists as a String, not a SecureString" in raised.value.message
    assert "pw-1" not in raised.value.message
    assert ssm.get_parameter(Name=NAME)["Parameter"]["Value"] == "someone else's"
