"""The feed form: a Docker Registry v2 endpoint or Amazon ECR; Docker Hub is built in."""

from __future__ import annotations

import urllib.parse
from typing import Any

from django import forms

from deployer.core.endpoints import is_allowed_endpoint
from deployer.core.endpoints import refusal as endpoint_refusal
from deployer.feeds.models import Feed
from targets.regions import REGION_CHOICES

# Paths the feed pages use after /infrastructure/feeds/: a feed with such a slug is unreachable.
RESERVED_SLUGS = {"new"}


class FeedForm(forms.ModelForm):
    kind = forms.ChoiceField(
        label="Feed type",
        choices=[
            (Feed.Kind.REGISTRY.value, Feed.Kind.REGISTRY.label),
            (Feed.Kind.ECR.value, Feed.Kind.ECR.label),
        ],
        widget=forms.RadioSelect,
        help_text="Docker Hub is built in (the feed docker-hub).",
    )
    url = forms.URLField(
        label="Registry URL",
        required=False,
        assume_scheme="https",
        help_text="Docker Registry v2 only. The registry's root, e.g. "
        "https://registry.example.com:5000 (the API lives under /v2/).",
    )
    password = forms.CharField(
        label="Password or token",
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    region = forms.ChoiceField(
        choices=[("", "---------"), *REGION_CHOICES],
        required=False,
        help_text="Amazon ECR only: the region of the registry.",
    )

    class Meta:
        model = Feed
        fields = ["name", "slug", "kind", "url", "username", "password", "account", "region"]
        labels = {"username": "User name", "account": "AWS account"}
        help_texts = {
            "slug": "Steps refer to the feed by this; it cannot change later.",
            "username": "Optional. Clear it to remove the stored credentials.",
            "account": "Amazon ECR only: the account whose credentials read the registry.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_stored_password = bool(self.instance.pk and self.instance.password)
        self.fields["password"].help_text = (
            "A password is stored (encrypted). Leave blank to keep it."
            if self.has_stored_password
            else "Optional. Stored encrypted; never shown again."
        )
        if self.instance.pk:
            # Steps and releases refer to the feed by its slug.
            self.fields["slug"].disabled = True
        if self.is_docker_hub:
            for name in ("kind", "url", "account", "region"):
                del self.fields[name]
            self.fields["username"].help_text = (
                "Optional: a Docker Hub account raises the pull rate limit and reaches private "
                "images. Clear it to remove the stored credentials."
            )
            self.fields["password"].label = "Password or access token"

    @property
    def is_docker_hub(self) -> bool:
        return self.instance.kind == Feed.Kind.DOCKER_HUB

    def clean_slug(self) -> str:
        slug: str = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS and not self.instance.pk:
            raise forms.ValidationError(f"“{slug}” is reserved; choose another slug.")
        return slug

    def clean_url(self) -> str:
        url: str = self.cleaned_data.get("url") or ""
        if not url:
            return ""
        parts = urllib.parse.urlsplit(url)
        if parts.username or parts.password:
            raise forms.ValidationError(
                "Put the user name and password in their own fields, not in the URL."
            )
        if parts.query or parts.fragment:
            raise forms.ValidationError("Enter the registry's root URL, without ? or #.")
        if not is_allowed_endpoint(url):
            raise forms.ValidationError(endpoint_refusal("Registry URL"))
        path = parts.path.rstrip("/")
        if path.endswith("/v2"):
            path = path[: -len("/v2")]
        if path:
            raise forms.ValidationError(
                "Enter the registry's root URL, e.g. https://registry.example.com:5000: "
                "the Docker Registry v2 API lives at /v2/ on the host itself."
            )
        return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "", "", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = Feed.Kind.DOCKER_HUB if self.is_docker_hub else data.get("kind")
        if kind == Feed.Kind.REGISTRY and not data.get("url") and "url" not in self.errors:
            self.add_error("url", "Enter the registry URL.")
        if kind == Feed.Kind.ECR:
            if not data.get("account"):
                self.add_error("account", "Choose the AWS account that reads this registry.")
            if not data.get("region"):
                self.add_error("region", "Choose the registry's region.")
        if kind in (Feed.Kind.REGISTRY, Feed.Kind.DOCKER_HUB):
            has_password = bool(data.get("password")) or (
                self.has_stored_password and bool(data.get("username"))
            )
            if data.get("password") and not data.get("username"):
                self.add_error("username", "Enter the user name that goes with the password.")
            elif data.get("username") and not has_password:
                self.add_error("password", "Enter the password or token for this user name.")
        return data

    def save(self, commit: bool = True) -> Feed:
        feed: Feed = super().save(commit=False)
        if self.is_docker_hub:
            feed.kind = Feed.Kind.DOCKER_HUB
        if feed.kind == Feed.Kind.ECR:
            feed.url, feed.username, feed.password = "", "", ""
        else:
            feed.account, feed.region = None, ""
            if feed.kind == Feed.Kind.DOCKER_HUB:
                feed.url = ""
            if not feed.username:
                feed.password = ""
            elif not self.cleaned_data.get("password") and self.has_stored_password:
                # "Leave blank to keep": reload the stored value the form never saw.
                feed.password = Feed.objects.get(pk=feed.pk).password
        if commit:
            feed.save()
        return feed
