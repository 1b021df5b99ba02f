"""URLs under /infrastructure/."""

from __future__ import annotations

from django.urls import path

from targets import views

app_name = "targets"

urlpatterns = [
    path("accounts/", views.list_accounts, name="list-accounts"),
    path("accounts/new/", views.create_account, name="create-account"),
    path("accounts/<int:pk>/", views.edit_account, name="edit-account"),
    path("accounts/<int:pk>/delete/", views.delete_account, name="delete-account"),
    path("environments/", views.list_environments, name="list-environments"),
    path("environments/new/", views.create_environment, name="create-environment"),
    path("environments/<int:pk>/", views.edit_environment, name="edit-environment"),
    path(
        "environments/<int:pk>/move/<str:direction>/",
        views.move_environment,
        name="move-environment",
    ),
    path("environments/<int:pk>/delete/", views.delete_environment, name="delete-environment"),
    path("clusters/", views.list_targets, name="list-targets"),
    path("clusters/new/", views.create_target, name="create-target"),
    path("clusters/<int:pk>/", views.edit_target, name="edit-target"),
    path("clusters/<int:pk>/delete/", views.delete_target, name="delete-target"),
    path("clusters/<int:pk>/test/", views.test_connection, name="test-connection"),
]
