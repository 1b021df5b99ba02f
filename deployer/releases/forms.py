"""The create-release form: a version, notes, and one tag per image the project uses."""

from __future__ import annotations

from typing import Any

from django import forms

from deployer.feeds.models import Feed
from deployer.feeds.registries import FeedError, list_tags
from deployer.releases.snapshot import ImageUse, default_tag, version_problem


class ReleaseForm(forms.Form):
    version = forms.CharField(max_length=100, help_text="Unique in the project, e.g. 1.4.0.")
    notes = forms.CharField(
        label="Release notes", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, images: list[ImageUse], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.images = images
        self.image_rows: list[dict[str, Any]] = []
        feeds = {feed.slug: feed for feed in Feed.objects.select_related("account")}
        for index, use in enumerate(images):
            name = f"tag_{index}"
            feed = feeds.get(use.feed)
            tags: list[str] = []
            problem = ""
            if feed is None:
                problem = f"The feed “{use.feed}” does not exist; add it under Feeds."
            elif not self.is_bound:
                # Offer the newest tags and preselect the newest stable one; typing any tag works.
                try:
                    tags = list_tags(feed, use.package, limit=20)
                except FeedError as exc:
                    problem = f"{exc.message} Type the tag instead."
            self.fields[name] = forms.CharField(
                label=f"{use.package}",
                max_length=128,
                initial=default_tag(tags),
                widget=forms.TextInput(
                    attrs={"list": f"tags-{index}", "autocomplete": "off", "spellcheck": "false"}
                ),
            )
            self.image_rows.append(
                {"use": use, "feed": feed, "field": name, "tags": tags, "problem": problem}
            )

    def clean_version(self) -> str:
        version: str = self.cleaned_data["version"].strip()
        if problem := version_problem(version):
            raise forms.ValidationError(problem)
        return version

    def tags(self) -> dict[str, str]:
        return {row["use"].key: self.cleaned_data[row["field"]] for row in self.image_rows}

    def bound_rows(self) -> list[dict[str, Any]]:
        return [{**row, "bound": self[row["field"]]} for row in self.image_rows]
