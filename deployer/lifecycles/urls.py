"""URLs under /lifecycles/."""

from __future__ import annotations

from django.urls import path

from deployer.access.permissions import ADMINISTER, VIEW
from deployer.access.policy import Rule, register
from deployer.lifecycles import views

app_name = "lifecycles"

urlpatterns = [
    path("", views.list_lifecycles, name="list-lifecycles"),
    path("new/", views.create_lifecycle, name="create-lifecycle"),
    path("<int:pk>/", views.edit_lifecycle, name="edit-lifecycle"),
    path("<int:pk>/phases/", views.add_phase, name="add-phase"),
    path("<int:pk>/phases/<int:phase>/remove/", views.remove_phase, name="remove-phase"),
]

register(
    app_name,
    {
        "list-lifecycles": Rule(VIEW),
        "create-lifecycle": Rule(ADMINISTER),
        "edit-lifecycle": Rule(ADMINISTER),
        "add-phase": Rule(ADMINISTER),
        "remove-phase": Rule(ADMINISTER),
    },
)
