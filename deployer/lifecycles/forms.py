"""Forms of the lifecycle pages."""

from __future__ import annotations

from django import forms

from deployer.lifecycles.models import Lifecycle, Phase


class LifecycleForm(forms.ModelForm):
    class Meta:
        model = Lifecycle
        fields = ("name", "description")
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class PhaseForm(forms.ModelForm):
    class Meta:
        model = Phase
        fields = ("name", "environments", "optional")
        widgets = {"environments": forms.CheckboxSelectMultiple}
