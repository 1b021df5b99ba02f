"""The pydantic schema of the step document: it mirrors the dataclasses and forbids unknown keys."""

from __future__ import annotations

import dataclasses
from typing import Any

import pydantic
import pytest
from pydantic_core import PydanticUndefined

from steps.document import model as document
from steps.document import schema

SECTIONS = sorted(schema.Section.__subclasses__(), key=lambda model: model.__name__)


def dataclass_default(item: dataclasses.Field[Any]) -> Any:
    if item.default_factory is not dataclasses.MISSING:
        return item.default_factory()
    return PydanticUndefined if item.default is dataclasses.MISSING else item.default


def model_default(info: Any) -> Any:
    default = info.get_default(call_default_factory=True)
    return default.to_dataclass() if isinstance(default, schema.Section) else default


@pytest.mark.parametrize("model", SECTIONS, ids=lambda model: model.__name__)
def test_each_model_has_its_dataclass_keys_in_order_with_the_same_defaults(
    model: type[schema.Section],
) -> None:
    fields = dataclasses.fields(model.dataclass_type)

    assert list(model.model_fields) == [item.name for item in fields]
    assert {name: model_default(info) for name, info in model.model_fields.items()} == {
        item.name: dataclass_default(item) for item in fields
    }


def test_every_dataclass_of_the_document_has_one_model() -> None:
    dataclass_types = {
        value
        for value in vars(document).values()
        if dataclasses.is_dataclass(value)
        and isinstance(value, type)
        and value.__module__ == document.__name__
        and value is not document.DocumentProblem
    }

    assert sorted(model.dataclass_type.__name__ for model in SECTIONS) == sorted(
        cls.__name__ for cls in dataclass_types
    )


def test_unknown_keys_are_refused_by_the_model_itself() -> None:
    body = {
        "name": "web",
        "configuration": {"task_definition_name": "web"},
        "containers": [{"name": "web", "image": {"feed": "hub", "package": "nginx"}, "cpus": 1}],
    }

    with pytest.raises(pydantic.ValidationError) as caught:
        schema.StepDocumentModel.model_validate(body)

    (error,) = caught.value.errors()
    assert (error["type"], error["loc"]) == ("extra_forbidden", ("containers", 0, "cpus"))


def test_a_valid_body_becomes_the_document_with_defaults_filled_in() -> None:
    body = {
        "name": "web",
        "configuration": {"task_definition_name": "web"},
        "task_size": {"cpu": "1024", "memory": "#{Memory}"},
    }

    document = schema.StepDocumentModel.model_validate(body).to_document()

    assert (document.task_size.cpu, document.task_size.memory) == (1024, "#{Memory}")
    assert document.deployment.circuit_breaker.rollback is True
    assert document.version == 1
