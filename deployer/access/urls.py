"""URLs under /users/: users and teams, for administrators."""

from __future__ import annotations

from django.urls import path

from deployer.access import views
from deployer.access.permissions import ADMINISTER
from deployer.access.policy import Rule, register

app_name = "access"

urlpatterns = [
    path("", views.list_users, name="list-users"),
    path("new/", views.create_user, name="create-user"),
    path("<int:pk>/", views.edit_user, name="edit-user"),
    path("<int:pk>/password/", views.reset_password, name="reset-password"),
    path("teams/new/", views.create_team, name="create-team"),
    path("teams/<int:pk>/", views.edit_team, name="edit-team"),
    path("teams/<int:pk>/roles/", views.add_role, name="add-role"),
    path("teams/<int:pk>/roles/<int:role>/remove/", views.remove_role, name="remove-role"),
]

register(app_name, {pattern.name: Rule(ADMINISTER) for pattern in urlpatterns if pattern.name})
