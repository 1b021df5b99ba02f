"""Every length the database enforces is refused first by the form that takes the value.

PostgreSQL answers a value longer than its column with an error (a 500) and SQLite stores it
silently, so the forms must say so before saving.
"""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.db import models

from deployer.feeds.forms import FeedForm
from deployer.projects.forms import ProjectForm
from deployer.projects.models import Project
from deployer.projects.variable_forms import VariableForm
from deployer.releases.forms import ReleaseForm
from targets.forms import AccountForm, ClusterTargetForm, EnvironmentForm

pytestmark = pytest.mark.django_db

# A well-formed URL (3 x 63-character labels) longer than any URL column (200).
LONG_HOST = ".".join(letter * 63 for letter in "abc") + ".com"


def too_long(field: models.Field[Any, Any]) -> str:
    """A value one character longer than the column, in the field's own form where it has one."""
    limit = field.max_length or 0
    if isinstance(field, models.URLField):
        return f"https://{LONG_HOST}"
    if field.name == "role_arn":
        prefix = "arn:aws:iam::123456789012:role/"
        return prefix + "r" * (limit + 1 - len(prefix))
    if field.name == "access_key_id":
        return "A" * (limit + 1)
    return "a" * (limit + 1)


def model_form_text_fields(form_class: type[forms.ModelForm]) -> list[models.Field[Any, Any]]:
    model = form_class._meta.model
    assert model is not None
    names = form_class._meta.fields or []
    return [
        field
        for field in model._meta.get_fields()
        if isinstance(field, models.CharField) and field.name in names and not field.choices
    ]


MODEL_FORMS = [ProjectForm, FeedForm, AccountForm, EnvironmentForm, ClusterTargetForm]
CASES = [
    pytest.param(form_class, field, id=f"{form_class.__name__}.{field.name}")
    for form_class in MODEL_FORMS
    for field in model_form_text_fields(form_class)
]


def test_every_text_column_of_the_forms_is_covered() -> None:
    covered = {case.id for case in CASES}
    assert {"ProjectForm.name", "ProjectForm.slug", "FeedForm.url", "FeedForm.slug"} <= covered
    assert {"AccountForm.endpoint_url", "AccountForm.external_id"} <= covered
    assert {"EnvironmentForm.name", "ClusterTargetForm.cluster_name"} <= covered


@pytest.mark.parametrize(("form_class", "field"), CASES)
def test_a_value_longer_than_its_column_is_refused_with_a_message(
    form_class: type[forms.ModelForm], field: models.Field[Any, Any]
) -> None:
    value = too_long(field)
    assert field.max_length is not None and len(value) > field.max_length
    form = form_class(data={field.name: value})

    assert not form.is_valid()
    messages = form.errors.get(field.name, [])
    if isinstance(form.fields[field.name], forms.ChoiceField):
        assert messages  # only its choices are accepted, all of them short enough
    else:
        assert any(f"at most {field.max_length} characters" in m for m in messages), messages


def test_a_project_slug_of_150_characters_is_refused_and_nothing_is_saved() -> None:
    form = ProjectForm(data={"name": "Payments", "slug": "p" * 150})

    assert not form.is_valid()
    assert form.errors["slug"] == ["Ensure this value has at most 100 characters (it has 150)."]
    assert not Project.objects.exists()


def test_a_variable_name_longer_than_its_column_is_refused() -> None:
    project = Project.objects.create(name="Payments", slug="payments")
    form = VariableForm(data={"name": "N" * 201, "value": "x"}, project=project)

    assert not form.is_valid()
    assert "at most 200 characters" in form.errors["name"][0]


def test_a_release_version_longer_than_its_column_is_refused() -> None:
    form = ReleaseForm(data={"version": "1." + "0" * 99}, images=[])

    assert not form.is_valid()
    assert "at most 100 characters" in form.errors["version"][0]


def test_a_target_role_longer_than_its_column_is_refused_with_the_limit() -> None:
    form = ClusterTargetForm(data={"role_names": "web, " + "r" * 101})

    assert not form.is_valid()
    assert "at most 100 characters" in form.errors["role_names"][0]
