"""Teams of users, each holding built-in roles scoped to sets of projects and environments."""

from __future__ import annotations

from django.db import models
from django.urls import reverse

from deployer.projects.models import Project
from targets.models import Environment


class Role(models.TextChoices):
    """The built-in roles; what each allows is the table in `deployer.access.permissions`."""

    VIEWER = "viewer", "Viewer"
    PROJECT_EDITOR = "project_editor", "Project editor"
    DEPLOYER = "deployer", "Deployer"
    APPROVER = "approver", "Approver"
    ADMINISTRATOR = "administrator", "Administrator"


class Team(models.Model):
    """A group of users; a user's rights are the union of their teams' roles."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    members = models.ManyToManyField("auth.User", related_name="teams", blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("access:edit-team", args=[self.pk])


class TeamRole(models.Model):
    """One role of a team, limited to some projects and environments (none chosen = all)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=20, choices=Role.choices)
    projects = models.ManyToManyField(Project, blank=True, related_name="team_roles")
    environments = models.ManyToManyField(Environment, blank=True, related_name="team_roles")

    class Meta:
        ordering = ["team", "role", "pk"]

    def __str__(self) -> str:
        return f"{self.team}: {self.get_role_display()}"

    @property
    def scope(self) -> str:
        """ "all projects, Development and Staging": what the role covers, in words."""
        projects = ", ".join(p.name for p in self.projects.all()) or "all projects"
        environments = ", ".join(e.name for e in self.environments.all()) or "all environments"
        return f"{projects}; {environments}"
