"""Forms of the deployer app: projects."""

from __future__ import annotations

from typing import Any

from django import forms

from deployer.projects.models import Project


class ProjectForm(forms.ModelForm):
    """A project's name, slug and description; its lifecycle only for administrators, since
    the lifecycle is what keeps a release from skipping environments."""

    def __init__(self, *args: Any, lifecycle: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not lifecycle:
            del self.fields["lifecycle"]

    class Meta:
        model = Project
        fields = ["name", "slug", "description", "lifecycle"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "slug": "Used in URLs and on the command line (import_step --project SLUG), "
            "e.g. payments-api.",
            "lifecycle": "The order releases are promoted in. Empty: every environment in "
            "order, each required.",
        }
