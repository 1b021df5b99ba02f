"""Names derived the way Octopus derives them: camelCase, stack names, logical ids, stack tags."""

from __future__ import annotations

import pytest

from steps.template.naming import (
    StackTag,
    automatic_tags,
    camel_case,
    lodash_words,
    logical_ids,
    sanitise_tag,
    sanitise_tags,
    stack_name,
    stack_tags,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("XMLHttpRequest", "xmlHttpRequest"),
        ("Environments-104", "environments104"),
        ("-only-$AlphaNUMERIC-characters%^", "onlyAlphaNumericCharacters"),
        ("Foo Bar", "fooBar"),
        ("__FOO_BAR__", "fooBar"),
        ("--foo-bar--", "fooBar"),
        ("fooBar", "fooBar"),
        ("web", "web"),
        ("Production", "production"),
        ("payments-api", "paymentsApi"),
        ("shop_frontend", "shopFrontend"),
        ("web2", "web2"),
        ("version 1.2.10", "version1210"),
        ("déjà vu", "dejaVu"),
        ("Straße", "strasse"),
        ("don't stop", "dontStop"),
        ("1st place", "1stPlace"),
        ("hello😀world", "hello😀World"),
        ("", ""),
        ("%^&", ""),
    ],
)
def test_camel_case_matches_lodash(text: str, expected: str) -> None:
    assert camel_case(text) == expected


def test_words_split_unicode_letters_and_numbers_like_lodash() -> None:
    assert lodash_words("Environments-104") == ["Environments", "104"]
    assert lodash_words("fooBar2Baz") == ["foo", "Bar", "2", "Baz"]
    assert lodash_words("ÀBC déf") == ["ÀBC", "déf"]


@pytest.mark.parametrize(
    ("cluster", "task", "environment", "expected"),
    [
        ("demo", "web", "Production", "cf-ecs-demo-web-production"),
        (
            "web-cluster",
            "payments-api",
            "Environments-104",
            "cf-ecs-webCluster-paymentsApi-environments104",
        ),
        ("My Cluster", "shop_frontend", "Staging 2", "cf-ecs-myCluster-shopFrontend-staging2"),
    ],
)
def test_stack_name_joins_camel_cased_parts(
    cluster: str, task: str, environment: str, expected: str
) -> None:
    assert stack_name(cluster, task, environment) == expected


def test_stack_name_is_cut_to_128_characters() -> None:
    name = stack_name("c" * 100, "t" * 100, "Production")
    assert len(name) == 128
    assert name == ("cf-ecs-" + "c" * 100 + "-" + "t" * 100)[:128]


def test_logical_ids_follow_octopus_lower_case_suffix() -> None:
    ids = logical_ids("payments-api")
    assert ids.task_definition == "TaskDefinitionpaymentsApi"
    assert ids.service == "ServicepaymentsApi"
    assert ids.task_execution_role == "TaskExecutionRolepaymentsApi"
    assert ids.log_group == "AwsLogGrouppaymentsApi"


def test_tag_sanitiser_keeps_only_characters_aws_accepts() -> None:
    tag = sanitise_tag("Team (owner)!", "Payments & Billing <eu>: v1/2 @x +=._-")
    assert tag == StackTag("Team owner", "Payments  Billing eu: v1/2 @x +=._-")


def test_tag_sanitiser_cuts_keys_to_128_and_values_to_256() -> None:
    tag = sanitise_tag("k" * 300, "v" * 300)
    assert tag is not None
    assert len(tag.key) == 128
    assert len(tag.value) == 256


def test_tag_pairs_left_empty_are_dropped() -> None:
    pairs = [("ok", "1"), ("", "value"), ("key", ""), ("%%%", "x"), ("y", "***")]
    assert sanitise_tags(pairs) == [StackTag("ok", "1")]


def test_automatic_tags_are_keyed_by_octopus_variable_names() -> None:
    variables = {
        "Octopus.Project.Name": "Shop",
        "Octopus.Environment.Name": "Production",
        "Octopus.Deployment.Id": "Deployments-42",
        "Octopus.Release.Number": "1.2.3",
        "Octopus.Step.Name": "Deploy web",
        "Octopus.Action.Name": "Deploy web",
        "Octopus.Environment.Id": "Environments-2",
        "Unrelated": "ignored",
    }
    assert automatic_tags(variables) == [
        StackTag("Octopus.Deployment.Id", "Deployments-42"),
        StackTag("Octopus.Environment.Id", "Environments-2"),
        StackTag("Octopus.Environment.Name", "Production"),
        StackTag("Octopus.Project.Name", "Shop"),
        StackTag("Octopus.Release.Number", "1.2.3"),
        StackTag("Octopus.Action.Name", "Deploy web"),
        StackTag("Octopus.Step.Name", "Deploy web"),
    ]


def test_tenant_tag_appears_only_for_tenanted_deployments() -> None:
    untenanted = automatic_tags({"Octopus.Project.Name": "Shop"})
    tenanted = automatic_tags(
        {"Octopus.Project.Name": "Shop", "Octopus.Deployment.Tenant.Name": "Acme (EU)"}
    )
    assert [tag.key for tag in untenanted] == ["Octopus.Project.Name"]
    assert tenanted[0] == StackTag("Octopus.Deployment.Tenant.Name", "Acme EU")


def test_stack_tags_put_automatic_tags_first_and_keep_them_over_user_tags() -> None:
    automatic = [StackTag("Octopus.Project.Name", "Shop")]
    user = [("team", "web"), ("Octopus.Project.Name", "spoofed"), ("team", "dup")]
    assert stack_tags(automatic, user) == [
        StackTag("Octopus.Project.Name", "Shop"),
        StackTag("team", "web"),
    ]
