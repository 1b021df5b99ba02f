"""Users and teams pages, for administrators: create, reset passwords, deactivate, set teams."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from deployer.access.forms import NewUserForm, ResetPasswordForm, TeamForm, TeamRoleForm, UserForm
from deployer.access.models import Team, TeamRole
from deployer.core.http import HtmxHttpRequest


def _form_page(request: HtmxHttpRequest, form: object, title: str, cancel_url: str) -> HttpResponse:
    return render(
        request, "access/form.html", {"form": form, "title": title, "cancel_url": cancel_url}
    )


def list_users(request: HtmxHttpRequest) -> HttpResponse:
    users = User.objects.prefetch_related("teams").order_by("username")
    teams = Team.objects.prefetch_related("members", "roles__projects", "roles__environments")
    return render(request, "access/users.html", {"users": users, "teams": teams})


def create_user(request: HtmxHttpRequest) -> HttpResponse:
    form = NewUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        messages.success(request, f"User {user.username} created.")
        return redirect("access:list-users")
    return _form_page(request, form, "New user", "access:list-users")


def edit_user(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    form = UserForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"User {user.username} saved.")
        return redirect("access:list-users")
    return _form_page(request, form, f"User {user.username}", "access:list-users")


def reset_password(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    form = ResetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Password of {user.username} reset.")
        return redirect("access:list-users")
    return _form_page(request, form, f"New password for {user.username}", "access:list-users")


def create_team(request: HtmxHttpRequest) -> HttpResponse:
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        team = form.save()
        messages.success(request, f"Team {team.name} created; now give it roles.")
        return redirect(team)
    return _form_page(request, form, "New team", "access:list-users")


def edit_team(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    team = get_object_or_404(Team, pk=pk)
    form = TeamForm(request.POST or None, instance=team, prefix="team")
    role_form = TeamRoleForm(prefix="role")
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Team {team.name} saved.")
        return redirect(team)
    return render(
        request,
        "access/team.html",
        {"team": team, "form": form, "role_form": role_form, "roles": team.roles.all()},
    )


@require_POST
def add_role(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    team = get_object_or_404(Team, pk=pk)
    role_form = TeamRoleForm(request.POST, prefix="role", instance=TeamRole(team=team))
    if role_form.is_valid():
        role_form.save()
        messages.success(request, f"Role added to {team.name}.")
        return redirect(team)
    form = TeamForm(instance=team, prefix="team")
    return render(
        request,
        "access/team.html",
        {"team": team, "form": form, "role_form": role_form, "roles": team.roles.all()},
    )


@require_POST
def remove_role(request: HtmxHttpRequest, pk: int, role: int) -> HttpResponse:
    team_role = get_object_or_404(TeamRole, team_id=pk, pk=role)
    team_role.delete()
    messages.success(request, f"Role {team_role.get_role_display()} removed.")
    return redirect("access:edit-team", pk=pk)
