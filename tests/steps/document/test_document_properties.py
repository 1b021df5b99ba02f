"""Properties of every valid step document: lossless YAML and data round trips, clean validation."""

from __future__ import annotations

import json

from hypothesis import HealthCheck as HypothesisHealthCheck
from hypothesis import given, settings
from hypothesis import strategies as st

from steps.document.io import document_from_data, document_to_data, dump_document, load_document
from steps.document.model import DocumentError, StepDocument
from steps.validation.step import validate
from tests.steps.strategies import step_documents

# Documents are large; generating one takes longer than hypothesis's default budget expects.
document_settings = settings(
    max_examples=75, deadline=None, suppress_health_check=[HypothesisHealthCheck.too_slow]
)


@document_settings
@given(step_documents())
def test_export_then_import_gives_the_same_document(document: StepDocument) -> None:
    assert load_document(dump_document(document)) == document


@document_settings
@given(step_documents())
def test_export_is_stable_across_a_second_round_trip(document: StepDocument) -> None:
    exported = dump_document(document)
    assert dump_document(load_document(exported)) == exported


@document_settings
@given(step_documents())
def test_release_snapshot_data_survives_json(document: StepDocument) -> None:
    snapshot = json.loads(json.dumps(document_to_data(document)))
    assert document_from_data(snapshot) == document


@document_settings
@given(step_documents())
def test_generated_documents_validate_clean(document: StepDocument) -> None:
    assert list(validate(document)) == []


# Any YAML shape at the places the reader interprets: known keys holding every kind of value.
_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8))
_keys = st.sampled_from(
    ["name", "containers", "image", "feed", "cpu", "task_size", "port_mappings", "firelens", "tags"]
)
_shapes = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_keys, inner, max_size=4)),
    max_leaves=15,
)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_any_text_is_read_or_refused_with_a_document_error(text: str) -> None:
    try:
        load_document(text)
    except DocumentError as error:
        assert error.problems


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_keys, _shapes, max_size=4))
def test_any_data_is_read_or_refused_with_a_document_error(data: dict[str, object]) -> None:
    try:
        document_from_data({"version": 1, "configuration": {"task_definition_name": "w"}, **data})
    except DocumentError as error:
        assert error.problems
