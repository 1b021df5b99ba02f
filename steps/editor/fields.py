"""Generic step-editor form machinery: widgets, document fields, DocumentForm, row formsets."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from django import forms

from steps.document.model import is_expression

Choices = Sequence[tuple[str, str]]
OMIT: Any = object()  # a blank field whose document default applies

# --- Widgets and fields -------------------------------------------------------------------------


class ExpressionSelect(forms.MultiWidget):
    """A select with a "bind to an expression" text input that replaces it when used."""

    template_name = "steps/widgets/expression_select.html"

    def __init__(self, choices: Choices = (), attrs: dict[str, Any] | None = None) -> None:
        widgets = (
            forms.Select(choices=choices, attrs={"class": "form-select"}),
            forms.TextInput(
                attrs={"class": "form-control", "placeholder": "#{Variable}", "spellcheck": "false"}
            ),
        )
        super().__init__(widgets, attrs)

    @property
    def choices(self) -> Choices:
        return list(self.widgets[0].choices)  # type: ignore[attr-defined]

    @choices.setter
    def choices(self, value: Choices) -> None:
        self.widgets[0].choices = list(value)  # type: ignore[attr-defined]

    def id_for_label(self, id_: str) -> str:
        return f"{id_}_0" if id_ else id_

    def decompress(self, value: Any) -> list[Any]:
        if is_expression(value):
            return ["", value]
        return ["" if value is None else str(value), ""]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        # A value missing from the choices (an imported document) must still be shown, so the
        # validator's message about it has something to point at.
        selected = self.decompress(value)[0] if not isinstance(value, list) else value[0]
        known = {str(key) for key, _ in self.choices}
        if selected and selected not in known:
            self.choices = [*self.choices, (selected, selected)]
        context = super().get_context(name, value, attrs)
        # The expression box is read as "<field label> expression": the field's label (which
        # points at the select) and the box's own hidden label.
        text = context["widget"]["subwidgets"][1]
        if text_id := text["attrs"].get("id"):
            field_id = context["widget"]["attrs"].get("id", "")
            text["attrs"]["aria-labelledby"] = f"label-{field_id} {text_id}-label"
        return context

    def value_from_datadict(self, data: Any, files: Any, name: str) -> str:  # type: ignore[override]
        if name in data:  # rendered as one hidden input while the field does not apply
            return str(data.get(name) or "")
        selected, expression = super().value_from_datadict(data, files, name)
        expression = (expression or "").strip()
        return expression if expression else str(selected or "")

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and super().value_omitted_from_data(data, files, name)


class DocumentField(forms.CharField):
    """Text as typed; ``kind`` says how it becomes a document value."""

    def __init__(
        self,
        label: str,
        help_text: str = "",
        *,
        kind: str = "text",
        aws: str = "",
        nullable: bool = False,
        widget: forms.Widget | None = None,
        applies_when: tuple[str, Iterable[str]] | None = None,
        refreshes: bool = False,
        placeholder: str = "",
        picker: str = "",
    ) -> None:
        super().__init__(
            label=label, required=False, widget=widget or forms.TextInput(), strip=False
        )
        self.help_note = help_text
        self.kind = kind
        self.aws_url = aws
        self.nullable = nullable
        # (other field, values): the field only applies while the other field has one of them.
        self.applies_when = (
            (applies_when[0], tuple(applies_when[1])) if applies_when is not None else None
        )
        # Changing it re-renders its section (conditional fields, narrowed choices).
        self.refreshes = refreshes
        # The kind of AWS id it takes (steps.editor.pickers.KINDS): offered from the account.
        self.picker = picker
        css = "form-select" if isinstance(self.widget, forms.Select) else "form-control"
        if not isinstance(self.widget, ExpressionSelect):
            self.widget.attrs.setdefault("class", css)
        if placeholder:  # the default that applies while the field is empty
            self.widget.attrs["placeholder"] = placeholder

    def to_python(self, value: Any) -> str:
        # Text is kept as typed (a working directory may end in a space); numbers, booleans
        # and choices are read without the spaces around them.
        text = "" if value is None else str(value)
        return text if self.kind in ("text", "lines") else text.strip()


def text(label: str, help_text: str = "", **options: Any) -> DocumentField:
    return DocumentField(label, help_text, **options)


def number(label: str, help_text: str = "", **options: Any) -> DocumentField:
    widget = forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"})
    return DocumentField(label, help_text, kind="number", widget=widget, **options)


def choice(label: str, choices: Choices, help_text: str = "", **options: Any) -> DocumentField:
    return DocumentField(label, help_text, widget=ExpressionSelect(choices), **options)


def boolean(label: str, help_text: str = "", **options: Any) -> DocumentField:
    widget = ExpressionSelect([("true", "Yes"), ("false", "No")])
    return DocumentField(label, help_text, kind="bool", widget=widget, **options)


def id_list(label: str, help_text: str = "", **options: Any) -> DocumentField:
    return DocumentField(label, help_text, kind="list", **options)


def lines(label: str, help_text: str = "", **options: Any) -> DocumentField:
    widget = forms.Textarea(attrs={"rows": 2, "spellcheck": "false"})
    return DocumentField(label, help_text, kind="lines", widget=widget, **options)


def named(values: Iterable[str]) -> list[tuple[str, str]]:
    return [(value, value) for value in values]


# --- Between fields and document data ------------------------------------------------------------


def join_path(base: str, name: str) -> str:
    relative = name.replace("__", ".")
    return f"{base}.{relative}" if base else relative


def _needs_json(kind: str, items: list[Any]) -> bool:
    """Whether a list reads back wrongly from lines or commas, so it is shown as JSON."""
    separator = "\n" if kind == "lines" else ","
    for item in map(str, items):
        if not item or item != item.strip() or separator in item or "\n" in item or "\r" in item:
            return True
        if is_expression(item):  # one expression item would read back as a list expression
            return True
    return bool(items) and str(items[0]).startswith("[")


def display_value(kind: str, value: Any) -> str:
    """A document value as the field shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        if _needs_json(kind, value):
            return json.dumps([str(item) for item in value], ensure_ascii=False)
        return ("\n" if kind == "lines" else ", ").join(str(item) for item in value)
    return str(value)


def document_value(field: DocumentField, raw: str) -> Any:
    """What the field's text means in the document; ``OMIT`` lets the default apply."""
    if field.kind == "number" and not raw:
        return None if field.nullable else OMIT
    if field.kind == "bool" and not raw:
        return OMIT
    if field.kind in ("list", "lines"):
        text = raw.strip()
        if text.startswith("["):  # a JSON list keeps empty items, commas and line breaks
            try:
                items = json.loads(text)
            except ValueError:
                items = None
            if isinstance(items, list) and all(isinstance(item, str) for item in items):
                return items
        if is_expression(text) and (field.kind == "list" or "\n" not in text):
            return text
        separators = text.replace(",", "\n") if field.kind == "list" else text
        return [item.strip() for item in separators.splitlines() if item.strip()]
    return raw


def lookup(data: Any, path: Sequence[str]) -> Any:
    for key in path:
        if not isinstance(data, Mapping) or key not in data:
            return None
        data = data[key]
    return data


def put(data: dict[str, Any], path: Sequence[str], value: Any) -> None:
    for key in path[:-1]:
        data = data.setdefault(key, {})
    data[path[-1]] = value


class DocumentForm(forms.Form):
    """A piece of the document at ``base_path``; ``data_for_document()`` gives it back."""

    def __init__(
        self, *args: Any, base_path: str = "", values: Mapping[str, Any] | None = None, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.base_path = base_path
        if values is not None:
            for name, field in self.document_fields():
                self.initial[name] = display_value(field.kind, lookup(values, name.split("__")))

    def document_fields(self) -> list[tuple[str, DocumentField]]:
        return [(n, f) for n, f in self.fields.items() if isinstance(f, DocumentField)]

    def path_of(self, name: str) -> str:
        return join_path(self.base_path, name)

    def raw(self, name: str) -> str:
        """The field's text as typed (or as shown, for an unbound form)."""
        field = self.fields[name]
        value = self[name].value()
        return field.to_python(value) if isinstance(field, DocumentField) else str(value or "")

    def applies(self, name: str) -> bool:
        condition = self.fields[name].applies_when  # type: ignore[attr-defined]
        return condition is None or self.raw(condition[0]) in condition[1]

    @property
    def concealed(self) -> list[str]:
        """Fields that do not apply with the current values; kept as hidden inputs."""
        return [name for name, _ in self.document_fields() if not self.applies(name)]

    def data_for_document(self) -> dict[str, Any]:
        """This form's values as document data (relative to ``base_path``), defaults omitted."""
        data: dict[str, Any] = {}
        for name, field in self.document_fields():
            value = document_value(field, self.raw(name))
            if value is not OMIT:
                put(data, name.split("__"), value)
        return data

    def add_problem(self, name: str | None, message: str) -> None:
        if not hasattr(self, "cleaned_data"):
            self.cleaned_data = {}  # an unbound form: Django's add_error expects it
        self.add_error(name, message)
        if name is not None:
            widget = self.fields[name].widget
            for target in getattr(widget, "widgets", [widget]):
                classes = target.attrs.get("class", "")
                if "is-invalid" not in classes:
                    target.attrs["class"] = f"{classes} is-invalid".strip()


class RowFormSet(forms.BaseFormSet):
    """Rows of one document list; each row's ``base_path`` is ``list_path[index]``."""

    list_path = ""

    def __init__(self, *args: Any, list_path: str, rows: list[Any] | None = None, **kw: Any):
        self.list_path = list_path
        self.rows = rows
        if rows is not None:
            kw["initial"] = [{} for _ in rows]
        super().__init__(*args, **kw)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        kwargs = dict(super().get_form_kwargs(index))
        if index is not None:
            kwargs["base_path"] = f"{self.list_path}[{index}]"
            if self.rows is not None and not self.is_bound and index < len(self.rows):
                kwargs["values"] = self.rows[index]
        return kwargs

    def data_for_document(self) -> list[dict[str, Any]]:
        return [form.data_for_document() for form in self.forms]


def row_formset(form: type[DocumentForm]) -> type[RowFormSet]:
    return cast(type[RowFormSet], forms.formset_factory(form, formset=RowFormSet, extra=0))
