"""URLs under /projects/<slug>/variables/."""

from __future__ import annotations

from django.urls import path

from deployer.projects import variable_views as variables

app_name = "variables"

urlpatterns = [
    path("", variables.list_variables, name="list"),
    path("new/", variables.create_variable, name="create"),
    path("preview/", variables.preview_variables, name="preview"),
    path("<int:pk>/", variables.show_variable, name="show"),
    path("<int:pk>/edit/", variables.edit_variable, name="edit"),
    path("<int:pk>/delete/", variables.delete_variable, name="delete"),
]
