"""URLs under /projects/."""

from __future__ import annotations

from django.urls import include, path

from deployer.projects import views as projects

app_name = "projects"

urlpatterns = [
    path("", projects.list_projects, name="list"),
    path("new/", projects.create_project, name="create"),
    path("<slug:slug>/", projects.show_project, name="detail"),
    path("<slug:slug>/edit/", projects.edit_project, name="edit"),
    path("<slug:slug>/delete/", projects.delete_project, name="delete"),
    path("<slug:slug>/steps/", include("steps.urls")),
]
