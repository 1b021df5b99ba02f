"""URLs under /projects/<slug>/webhooks/: for the project's editors (a URL can be a secret)."""

from __future__ import annotations

from django.urls import path

from deployer.access.permissions import EDIT_PROJECT
from deployer.access.policy import Rule, register
from deployer.notifications import views

app_name = "webhooks"

urlpatterns = [
    path("", views.list_webhooks, name="list"),
    path("new/", views.create_webhook, name="create"),
    path("<int:pk>/", views.show_webhook, name="detail"),
    path("<int:pk>/delete/", views.delete_webhook, name="delete"),
]

register(
    app_name,
    {p.name: Rule(EDIT_PROJECT, project_slug=True) for p in urlpatterns if p.name},
)
