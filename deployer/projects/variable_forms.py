"""The form for one value of a project variable."""

from __future__ import annotations

from typing import Any

from django import forms

from deployer.projects.models import Variable
from deployer.projects.variables import VariableValue, conflicts, name_problem
from targets.models import Environment


class VariableForm(forms.ModelForm):
    # Leading/trailing spaces are reported, not silently dropped.
    name = forms.CharField(max_length=200, strip=False)
    value = forms.CharField(required=False, strip=False, widget=forms.TextInput)
    environments = forms.ModelMultipleChoiceField(
        queryset=Environment.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Scope",
        help_text="Leave empty for all environments. A scoped value wins over an unscoped one.",
    )

    class Meta:
        model = Variable
        fields = ["name", "value", "is_sensitive", "environments", "description"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.project = kwargs.pop("project")
        super().__init__(*args, **kwargs)
        self.keeps_secret = bool(self.instance.pk and self.instance.is_sensitive)
        if self.keeps_secret:
            self.fields["value"].help_text = "Sensitive: leave blank to keep the stored value."
        else:
            self.initial["value"] = self.instance.value

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"]
        problem = name_problem(name)
        if problem:
            raise forms.ValidationError(problem)
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        name = data.get("name")
        if not name or self.errors:
            return data
        scope = frozenset(e.pk for e in data.get("environments") or [])
        mine = VariableValue(name=name, value="", environments=scope)
        others = [
            VariableValue(
                name=other.name,
                value="",
                environments=frozenset(e.pk for e in other.environments.all()),
            )
            for other in self.project.variables.filter(name__iexact=name)
            .exclude(pk=self.instance.pk)
            .prefetch_related("environments")
        ]
        if conflicts([mine, *others]):
            where = ", ".join(e.name for e in data["environments"]) or "all environments"
            self.add_error(
                "environments",
                f"{name} already has a value for {where}. Change that value, or scope this one "
                "to other environments.",
            )
        return data

    def save(self, commit: bool = True) -> Variable:
        variable: Variable = super().save(commit=False)
        variable.project = self.project
        value = self.cleaned_data.get("value") or ""
        if variable.is_sensitive:
            if value or not self.keeps_secret:
                variable.secret_value = value
            variable.value = ""
        else:
            variable.value = value
            variable.secret_value = ""
        if commit:
            variable.save()
            self.save_m2m()
        return variable
