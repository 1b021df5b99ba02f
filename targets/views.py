"""Pages for AWS accounts, environments and ECS cluster targets."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from deployer.core.http import HtmxHttpRequest
from targets import actions
from targets.forms import AccountForm, ClusterTargetForm, EnvironmentForm
from targets.models import AwsAccount, ClusterTarget, Environment, TargetRole


def _form_page(request: HtmxHttpRequest, form: object, title: str, cancel_url: str) -> HttpResponse:
    return render(
        request, "targets/form.html", {"form": form, "title": title, "cancel_url": cancel_url}
    )


def _confirm_delete(
    request: HtmxHttpRequest, obj: object, kind: str, cancel_url: str, warning: str = ""
) -> HttpResponse:
    return render(
        request,
        "targets/confirm_delete.html",
        {"object": obj, "kind": kind, "cancel_url": cancel_url, "warning": warning},
    )


# Accounts


def _sandboxes() -> list[AwsAccount]:
    """Sandbox accounts whose seed said what it created (subnets, security group, …)."""
    return [a for a in AwsAccount.objects.filter(is_sandbox=True) if a.sandbox_resources]


def list_accounts(request: HtmxHttpRequest) -> HttpResponse:
    accounts = AwsAccount.objects.prefetch_related("targets")
    return render(
        request, "targets/accounts.html", {"accounts": accounts, "sandboxes": _sandboxes()}
    )


def create_account(request: HtmxHttpRequest) -> HttpResponse:
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        account = form.save()
        messages.success(request, f"Account {account.name} created.")
        return redirect("targets:list-accounts")
    return _form_page(request, form, "New AWS account", "targets:list-accounts")


def edit_account(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(AwsAccount, pk=pk)
    form = AccountForm(request.POST or None, instance=account)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Account {account.name} saved.")
        return redirect("targets:list-accounts")
    return _form_page(request, form, f"Account {account.name}", "targets:list-accounts")


def delete_account(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(AwsAccount, pk=pk)
    if request.method == "POST":
        try:
            actions.delete_account(account)
        except actions.InUseError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Account {account.name} deleted.")
        return redirect("targets:list-accounts")
    return _confirm_delete(request, account, "account", "targets:list-accounts")


# Environments


def list_environments(request: HtmxHttpRequest) -> HttpResponse:
    context = {"environments": Environment.objects.prefetch_related("targets")}
    if request.htmx:
        return render(request, "targets/environments.html#environment-table", context)
    return render(request, "targets/environments.html", context)


def create_environment(request: HtmxHttpRequest) -> HttpResponse:
    form = EnvironmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        environment = actions.add_environment(form.save(commit=False))
        messages.success(request, f"Environment {environment.name} created.")
        return redirect("targets:list-environments")
    return _form_page(request, form, "New environment", "targets:list-environments")


def edit_environment(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    environment = get_object_or_404(Environment, pk=pk)
    form = EnvironmentForm(request.POST or None, instance=environment)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Environment {environment.name} saved.")
        return redirect("targets:list-environments")
    return _form_page(request, form, f"Environment {environment.name}", "targets:list-environments")


@require_POST
def move_environment(request: HtmxHttpRequest, pk: int, direction: str) -> HttpResponse:
    if direction not in ("up", "down"):
        raise Http404("Move an environment up or down.")
    environment = get_object_or_404(Environment, pk=pk)
    actions.move_environment(environment, direction)
    if request.htmx:
        return list_environments(request)
    return redirect("targets:list-environments")


def delete_environment(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    environment = get_object_or_404(Environment, pk=pk)
    if request.method == "POST":
        environment.delete()
        messages.success(request, f"Environment {environment.name} deleted.")
        return redirect("targets:list-environments")
    served = ", ".join(t.name for t in environment.targets.all())
    warning = f"The cluster targets {served} will no longer serve it." if served else ""
    return _confirm_delete(
        request, environment, "environment", "targets:list-environments", warning
    )


# Cluster targets


def list_targets(request: HtmxHttpRequest) -> HttpResponse:
    targets = ClusterTarget.objects.select_related("account").prefetch_related(
        "roles", "environments"
    )
    return render(request, "targets/targets.html", {"targets": targets, "sandboxes": _sandboxes()})


def _target_form_page(
    request: HtmxHttpRequest, form: ClusterTargetForm, title: str
) -> HttpResponse:
    return render(
        request,
        "targets/target_form.html",
        {
            "form": form,
            "title": title,
            "cancel_url": "targets:list-targets",
            "known_roles": TargetRole.objects.values_list("name", flat=True),
        },
    )


def create_target(request: HtmxHttpRequest) -> HttpResponse:
    form = ClusterTargetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        target = form.save()
        messages.success(request, f"Cluster target {target.name} created.")
        return redirect("targets:list-targets")
    return _target_form_page(request, form, "New ECS cluster target")


def edit_target(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(ClusterTarget, pk=pk)
    form = ClusterTargetForm(request.POST or None, instance=target)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Cluster target {target.name} saved.")
        return redirect("targets:list-targets")
    return _target_form_page(request, form, f"ECS cluster target {target.name}")


def delete_target(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(ClusterTarget, pk=pk)
    if request.method == "POST":
        target.delete()
        messages.success(request, f"Cluster target {target.name} deleted.")
        return redirect("targets:list-targets")
    return _confirm_delete(request, target, "cluster target", "targets:list-targets")


@require_POST
def test_connection(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(ClusterTarget.objects.select_related("account"), pk=pk)
    result = target.check_connection()
    if request.htmx:
        return render(
            request, "targets/targets.html#connection-result", {"target": target, "result": result}
        )
    (messages.success if result.ok else messages.error)(request, f"{target.name}: {result.message}")
    return redirect("targets:list-targets")
