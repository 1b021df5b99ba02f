"""The webhook form: where to, which events, in which format."""

from __future__ import annotations

from typing import Any

from django import forms

from deployer.core.endpoints import is_allowed_endpoint, refusal
from deployer.notifications.models import Event, Webhook


class WebhookForm(forms.ModelForm):
    url = forms.URLField(
        label="URL",
        max_length=500,
        assume_scheme="https",
        help_text="Where Deployer POSTs each event, e.g. a Slack incoming webhook or your CI.",
    )
    events = forms.MultipleChoiceField(
        choices=Event.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="The deployment events this webhook is told about.",
    )

    class Meta:
        model = Webhook
        fields = ["name", "url", "events", "format", "active"]
        help_texts = {
            "format": "Generic JSON is signed: X-Deployer-Signature: sha256=HMAC-SHA256 of the "
            "body with the webhook's secret.",
            "active": "Untick to stop deliveries without losing the settings.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("events", list(self.instance.events or []))

    def clean_url(self) -> str:
        url = str(self.cleaned_data["url"])
        if not is_allowed_endpoint(url):
            raise forms.ValidationError(refusal("The webhook URL"))
        return url
