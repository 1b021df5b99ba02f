"""Forms for accounts, environments and cluster targets."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from deployer.core.endpoints import is_allowed_endpoint
from deployer.core.endpoints import refusal as endpoint_refusal
from targets.models import AwsAccount, ClusterTarget, Environment, TargetRole

ROLE_PATTERN = re.compile(r"^[A-Za-z0-9_.-]+$")
ROLE_NAME_LENGTH = TargetRole._meta.get_field("name").max_length or 100


class AccountForm(forms.ModelForm):
    endpoint_url = forms.URLField(
        label="Endpoint URL",
        required=False,
        assume_scheme="https",
        help_text=AwsAccount._meta.get_field("endpoint_url").help_text,
    )
    secret_access_key = forms.CharField(
        label="Secret key",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    class Meta:
        model = AwsAccount
        fields = [
            "name",
            "description",
            "credentials",
            "access_key_id",
            "secret_access_key",
            "role_arn",
            "role_session_name",
            "external_id",
            "session_duration",
            "endpoint_url",
        ]
        widgets = {
            "credentials": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "access_key_id": "The IAM user's access key id, e.g. AKIAIOSFODNN7EXAMPLE.",
            "role_arn": "Optional. Deployer assumes this role with the credentials above "
            '(<a href="https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html" '
            'target="_blank" rel="noopener">AssumeRole</a>).',
            "external_id": "Optional. Required when the role's trust policy asks for one.",
            "session_duration": "900-43200 seconds; the role is assumed again before it expires.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_stored_secret = bool(self.instance.pk and self.instance.secret_access_key)
        self.fields["secret_access_key"].help_text = (
            "A secret key is stored (encrypted). Leave blank to keep it."
            if self.has_stored_secret
            else "Stored encrypted; never shown again."
        )

    def clean_endpoint_url(self) -> str:
        url: str = self.cleaned_data.get("endpoint_url") or ""
        if url and not is_allowed_endpoint(url):
            raise forms.ValidationError(endpoint_refusal("Endpoint URL"))
        return url

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("credentials") == AwsAccount.Credentials.KEYS:
            if not data.get("access_key_id"):
                self.add_error(
                    "access_key_id", "Enter the access key id, or use the default chain."
                )
            if not data.get("secret_access_key") and not self.has_stored_secret:
                self.add_error("secret_access_key", "Enter the secret key for this access key.")
        if data.get("external_id") and not data.get("role_arn"):
            self.add_error("external_id", "An external id is only used when assuming a role.")
        return data

    def save(self, commit: bool = True) -> AwsAccount:
        account: AwsAccount = super().save(commit=False)
        secret = self.cleaned_data.get("secret_access_key")
        if account.credentials == AwsAccount.Credentials.DEFAULT_CHAIN:
            account.access_key_id = ""
            account.secret_access_key = ""
        elif not secret and self.has_stored_secret:
            # "Leave blank to keep": reload the stored value the form never saw.
            account.secret_access_key = AwsAccount.objects.get(pk=account.pk).secret_access_key
        if commit:
            account.save()
        return account


class EnvironmentForm(forms.ModelForm):
    class Meta:
        model = Environment
        fields = ["name", "description", "production_like", "requires_approval"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class ClusterTargetForm(forms.ModelForm):
    role_names = forms.CharField(
        label="Target roles",
        help_text="Comma-separated tags such as web-cluster; a step deploys to the targets "
        "with its roles.",
        widget=forms.TextInput(attrs={"list": "known-roles", "autocomplete": "off"}),
    )

    class Meta:
        model = ClusterTarget
        fields = ["name", "account", "region", "cluster_name", "role_names", "environments"]
        widgets = {"environments": forms.CheckboxSelectMultiple}
        help_texts = {
            "cluster_name": "The ECS cluster's name (<a href=\"https://docs.aws.amazon.com/"
            'AmazonECS/latest/developerguide/clusters.html" target="_blank" rel="noopener">'
            "Amazon ECS clusters</a>).",
            "environments": "Deployments to these environments use this cluster.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["role_names"] = ", ".join(r.name for r in self.instance.roles.all())

    def clean_role_names(self) -> list[str]:
        names: list[str] = []
        for raw in self.cleaned_data["role_names"].split(","):
            name = raw.strip()
            if not name:
                continue
            if len(name) > ROLE_NAME_LENGTH:
                raise forms.ValidationError(
                    f"A target role may have at most {ROLE_NAME_LENGTH} characters; "
                    f"“{name[:20]}…” has {len(name)}."
                )
            if not ROLE_PATTERN.match(name):
                raise forms.ValidationError(
                    f"“{name}” is not a valid role: use letters, digits, dots, hyphens and "
                    "underscores."
                )
            if name not in names:
                names.append(name)
        if not names:
            raise forms.ValidationError("Give the target at least one role, e.g. web-cluster.")
        return names

    def save(self, commit: bool = True) -> ClusterTarget:
        target: ClusterTarget = super().save(commit=commit)
        if commit:
            target.roles.set(
                [
                    TargetRole.objects.get_or_create(name=n)[0]
                    for n in self.cleaned_data["role_names"]
                ]
            )
        return target
