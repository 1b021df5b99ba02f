"""Model and login signals that record every change in the audit trail.

Changes are recorded where they happen to the rows, so that pages, commands and the API cannot
forget one; who did it comes from `deployer.audit.context`. Field values are not recorded (an
account's or a feed's would include secrets): only which fields changed, except for a step,
whose document differences are the point (a step holds variable references, never values).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from deployer.audit.record import document_diff, record

# Fields whose change is no change anyone made (timestamps, counters, the worker's bookkeeping).
# A password change is recorded by name only, like every other field.
IGNORED_FIELDS = {"created", "updated", "last_login", "revision", "updated_by"}


def _models() -> dict[str, Any]:
    from deployer.access.models import Team, TeamRole
    from deployer.feeds.models import Feed
    from deployer.projects.models import Project, Variable
    from deployer.releases.models import Release
    from steps.models import Step
    from targets.models import AwsAccount, ClusterTarget, Environment

    models = {
        "account": AwsAccount,
        "feed": Feed,
        "environment": Environment,
        "target": ClusterTarget,
        "team": Team,
        "team_role": TeamRole,
        "user": get_user_model(),
        "project": Project,
        "step": Step,
        "variable": Variable,
        "release": Release,
    }
    from deployer.lifecycles.models import Lifecycle, Phase

    models.update({"lifecycle": Lifecycle, "phase": Phase})
    return models


def _project_of(instance: Any) -> Any:
    from deployer.projects.models import Project

    if isinstance(instance, Project):
        return instance if instance.pk and Project.objects.filter(pk=instance.pk).exists() else None
    return getattr(instance, "project", None)


def _fields(instance: Any) -> dict[str, Any]:
    return {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.attname not in IGNORED_FIELDS
    }


def _before_save(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance.pk is None:
        instance._audit_before = None
        return
    old = sender._default_manager.filter(pk=instance.pk).first()
    instance._audit_before = old


def _after_save(
    sender: Any, instance: Any, kind: str, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw:
        return
    update_fields = kwargs.get("update_fields")
    if update_fields and set(update_fields) <= IGNORED_FIELDS:
        return  # a login's last_login, a save of bookkeeping only
    label = sender._meta.verbose_name.capitalize()
    if created:
        details: dict[str, Any] = {}
        if kind == "step":
            details["changes"] = document_diff({}, instance.document)
        record(
            f"{kind}.created",
            f"{label} {instance} created",
            obj=instance,
            project=_project_of(instance),
            details=details,
        )
        return
    old = getattr(instance, "_audit_before", None)
    before = _fields(old) if old is not None else {}
    after = _fields(instance)
    changed = sorted(name for name in after if before.get(name) != after[name])
    details = {"fields": changed}
    if kind == "step" and old is not None:
        details["changes"] = document_diff(old.document, instance.document)
        changed = changed if details["changes"] or changed else []
    if not changed:
        return
    record(
        f"{kind}.changed",
        f"{label} {instance} changed: {', '.join(changed)}",
        obj=instance,
        project=_project_of(instance),
        details=details,
    )


def _after_delete(sender: Any, instance: Any, kind: str, **kwargs: Any) -> None:
    label = sender._meta.verbose_name.capitalize()
    # Not linked to its project: a cascade deletes the project right after, which would leave
    # the link dangling; the project's name is kept instead.
    project = _project_of(instance) if kind != "project" else instance
    record(
        f"{kind}.deleted",
        f"{label} {instance} deleted",
        obj=instance,
        details={"project": project.name} if project is not None else {},
    )


def _m2m(
    sender: Any, instance: Any, action: str, kind: str, field: str, reverse_name: str, **kw: Any
) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if kw.get("reverse"):
        # Set from the other side (a user's teams): recorded on the object that was changed.
        field, kind = reverse_name, instance._meta.model_name
    manager = getattr(instance, field, None)
    values = sorted(str(item) for item in manager.all()) if manager is not None else []
    label = instance._meta.verbose_name.capitalize()
    record(
        f"{kind}.changed",
        f"{label} {instance}: {field} now {', '.join(values) or 'none'}",
        obj=instance,
        project=_project_of(instance),
        details={"fields": [field], field: values},
    )


def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record("login", f"{user.get_username()} logged in", obj=user, user=user)


def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any) -> None:
    # The name tried is kept even when no such user exists; the password never.
    username = str(credentials.get("username", ""))[:150]
    record("login.failed", f"Failed login as {username!r}", details={"username": username})


M2M_FIELDS = {
    "team": ["members"],
    "team_role": ["projects", "environments"],
    "target": ["environments", "roles"],
    "variable": ["environments"],
    "phase": ["environments"],
    "user": [],
}


def connect() -> None:
    """Connect the recorders; called once from the app's ready()."""
    for kind, model in _models().items():
        uid = f"audit-{kind}"
        pre_save.connect(_before_save, sender=model, dispatch_uid=uid, weak=False)
        post_save.connect(
            lambda sender, kind=kind, **kw: _after_save(sender, kind=kind, **kw),
            sender=model,
            dispatch_uid=uid,
            weak=False,
        )
        post_delete.connect(
            lambda sender, kind=kind, **kw: _after_delete(sender, kind=kind, **kw),
            sender=model,
            dispatch_uid=uid,
            weak=False,
        )
        for field in M2M_FIELDS.get(kind, []):
            through = getattr(model, field).through
            reverse_name = model._meta.get_field(field).remote_field.related_name or ""
            m2m_changed.connect(
                lambda sender, kind=kind, field=field, reverse_name=reverse_name, **kw: _m2m(
                    sender, kind=kind, field=field, reverse_name=reverse_name, **kw
                ),
                sender=through,
                dispatch_uid=f"{uid}-{field}",
                weak=False,
            )
    user_logged_in.connect(_logged_in, dispatch_uid="audit-login", weak=False)
    user_login_failed.connect(_login_failed, dispatch_uid="audit-login-failed", weak=False)
