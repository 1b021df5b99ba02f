"""Forms of the users and teams pages; passwords go through Django's validators."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import SetPasswordForm, UserCreationForm
from django.contrib.auth.models import User

from deployer.access.models import Team, TeamRole


class NewUserForm(UserCreationForm):
    """A new login: name, email, a password the validators accept, and its teams."""

    teams = forms.ModelMultipleChoiceField(
        Team.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def save(self, commit: bool = True) -> Any:
        user = super().save(commit=True)
        user.teams.set(self.cleaned_data["teams"])
        return user


class UserForm(forms.ModelForm):
    """An existing login: email, active or deactivated, teams."""

    teams = forms.ModelMultipleChoiceField(
        Team.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = User
        fields = ("email", "is_active")
        labels = {"is_active": "Active (unticked: the user can no longer log in)"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teams"].initial = self.instance.teams.all()

    def save(self, commit: bool = True) -> Any:
        user = super().save(commit=True)
        user.teams.set(self.cleaned_data["teams"])
        return user


class ResetPasswordForm(SetPasswordForm):
    """A new password chosen by an administrator, checked by the validators."""


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ("name", "description", "members")
        widgets = {"members": forms.CheckboxSelectMultiple}


class TeamRoleForm(forms.ModelForm):
    """One more role for a team; no projects or environments chosen means all of them."""

    class Meta:
        model = TeamRole
        fields = ("role", "projects", "environments")
        widgets = {
            "projects": forms.CheckboxSelectMultiple,
            "environments": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "projects": "None ticked: every project.",
            "environments": "None ticked: every environment.",
        }
