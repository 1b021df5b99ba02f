"""Bounded reading: oversized documents, lists and texts are refused by counting, before the
work their content would cost. (How fast: bench/bench_document_bounds.py.)"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest
import yaml

from steps.actions import read_step_yaml
from steps.document.io import MAX_PROBLEMS, document_from_data, load_document
from steps.document.model import (
    MAX_ALIASES,
    MAX_CONTAINERS,
    MAX_DEPTH,
    MAX_DOCUMENT_CHARS,
    MAX_ITEMS,
    MAX_TEXT_CHARS,
    Container,
    DocumentError,
    Image,
)
from steps.validation.step import validate

HEAD = """\
version: 1
name: Deploy web
configuration: {task_definition_name: web}
network: {security_group_ids: [sg-0123abcd], subnet_ids: [subnet-0123abcd]}
"""


def container(index: int, body: str = "") -> str:
    return f"  - name: c{index}\n    image: {{feed: docker-hub, package: nginx}}\n{body}"


def containers(count: int) -> str:
    return HEAD + "containers:\n" + "".join(container(n) for n in range(count))


def problems_of(text: str) -> list[str]:
    with pytest.raises(DocumentError) as caught:
        load_document(text)
    return [str(problem) for problem in caught.value.problems]


DATA: dict[str, Any] = yaml.safe_load(containers(1))


def data_problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(DocumentError) as caught:
        document_from_data(data)
    return [str(problem) for problem in caught.value.problems]


def test_ten_containers_are_read() -> None:
    assert len(load_document(containers(MAX_CONTAINERS)).containers) == MAX_CONTAINERS


def test_a_thousand_containers_are_refused_at_the_eleventh() -> None:
    text = containers(1000)
    assert len(text) < MAX_DOCUMENT_CHARS  # refused by count, not by size

    assert problems_of(text) == [
        "line 26: containers: more than 10 containers; a task definition holds at most 10"
    ]


def test_refusal_by_count_happens_before_the_rest_is_read() -> None:
    # Past the eleventh container the document is not even YAML: it is never parsed.
    text = containers(11) + "  - name: [unclosed\n" + "containers: again\n"

    assert problems_of(text) == [
        "line 26: containers: more than 10 containers; a task definition holds at most 10"
    ]


def test_an_aliased_list_of_too_many_containers_is_refused() -> None:
    anchored = "x-all: &all\n" + "".join(container(n) for n in range(12))
    text = HEAD + anchored + "containers: *all\n"

    assert problems_of(text) == [
        "line 30: containers: more than 10 containers; a task definition holds at most 10"
    ]


def test_any_list_is_refused_past_its_bound() -> None:
    command = "    environment:\n      command: [" + ", ".join(["a"] * (MAX_ITEMS + 1)) + "]\n"

    assert problems_of(HEAD + "containers:\n" + container(0, command)) == [
        "line 9: containers[0].environment.command: more than 1,000 items; use at most 1,000"
    ]


def test_a_document_over_the_size_limit_is_refused_before_it_is_parsed() -> None:
    text = containers(1) + "#" * MAX_DOCUMENT_CHARS + "\n: not yaml ["

    (problem,) = problems_of(text)
    assert problem == (
        f"the document has {len(text):,} characters; a step document may have at most "
        "131,072 (128 KiB)"
    )


def test_an_overlong_text_names_its_field_and_the_limit() -> None:
    text = containers(1) + "    user: " + "u" * (MAX_TEXT_CHARS + 1) + "\n"

    assert problems_of(text) == [
        "line 8: containers[0].user: 65,537 characters is too long for one value; "
        "use at most 65,536"
    ]


def test_deep_nesting_is_refused() -> None:
    nested = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)

    (problem,) = problems_of(containers(1) + f"    user: {nested}\n")
    assert f"nest more than {MAX_DEPTH} deep" in problem


def test_more_aliases_than_the_bound_are_refused() -> None:
    uses = "".join("        - *word\n" for _ in range(MAX_ALIASES + 1))
    body = "    environment:\n      command:\n        - &word hello\n" + uses

    (problem,) = problems_of(HEAD + "containers:\n" + container(0, body))
    assert f"more than {MAX_ALIASES} aliases; write the values out" in problem


def test_aliases_may_not_spell_out_a_document_far_over_the_size_limit() -> None:
    word = "w" * 10_000
    uses = "".join("        - *word\n" for _ in range(30))
    body = f"    environment:\n      command:\n        - &word {word}\n" + uses
    text = HEAD + "containers:\n" + container(0, body)
    assert len(text) < MAX_DOCUMENT_CHARS

    (problem,) = problems_of(text)
    assert problem.endswith("the aliases expand the document far beyond its size limit")


def test_a_few_aliases_still_share_settings() -> None:
    body = "    environment:\n      command: &cmd [serve, --port, '80']\n"
    text = HEAD + "containers:\n" + container(0, body) + container(1, "    environment:\n")
    text += "      command: *cmd\n"

    document = load_document(text)
    assert document.containers[1].environment.command == ["serve", "--port", "80"]


def test_plain_data_is_bounded_too() -> None:
    data = copy.deepcopy(DATA)
    data["containers"][0]["environment"] = {"command": ["a"] * (MAX_ITEMS + 1)}
    data["containers"][0]["user"] = "u" * (MAX_TEXT_CHARS + 1)

    assert data_problems(data) == [
        "containers[0].environment.command: 1,001 items is too many; use at most 1,000",
        "containers[0].user: 65,537 characters is too long for one value; use at most 65,536",
    ]


def test_a_substituted_list_is_bounded_after_splitting() -> None:
    data = copy.deepcopy(DATA)
    data["network"]["subnet_ids"] = ", ".join(["subnet-0123abcd"] * (MAX_ITEMS + 1))

    assert data_problems(data) == ["network.subnet_ids: 1,001 items is too many; use at most 1,000"]


def test_reading_stops_after_a_hundred_problems() -> None:
    data = copy.deepcopy(DATA)
    data["containers"][0]["environment"] = {
        "variables": [{"name": f"V{n}", "valeu": "x"} for n in range(300)]
    }

    problems = data_problems(data)
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[-1] == f"reading stopped after {MAX_PROBLEMS} problems"


def test_import_lists_a_hundred_invalid_values_and_counts_the_rest() -> None:
    variables = "".join(
        f"        - {{name: V{n}, value: plain, type: secret}}\n" for n in range(150)
    )
    body = "    environment:\n      variables:\n" + variables

    with pytest.raises(DocumentError) as caught:
        read_step_yaml(HEAD + "containers:\n" + container(0, body))
    problems = [str(problem) for problem in caught.value.problems]
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[0].startswith("line 10: containers[0].environment.variables[0].value: ")
    assert problems[-1] == "and 50 more problems not listed"


def test_the_validator_refuses_more_containers_than_a_task_definition_holds() -> None:
    document = load_document(containers(MAX_CONTAINERS))
    extra = Container(name="extra", image=Image(feed="docker-hub", package="nginx"))
    document = dataclasses.replace(document, containers=[*document.containers, extra])

    assert [str(issue) for issue in validate(document)] == [
        "containers: 11 containers is too many; a task definition holds at most 10"
    ]
