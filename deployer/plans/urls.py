"""URLs under /projects/<slug>/: a release's change plan, and drift per environment."""

from __future__ import annotations

from django.urls import path

from deployer.access.permissions import VIEW
from deployer.access.policy import Rule, register
from deployer.plans import views

app_name = "plans"

urlpatterns = [
    path("releases/<str:version>/plan/", views.preview_plan, name="preview-plan"),
    path("drift/<int:environment>/", views.show_drift, name="drift"),
    path("drift/<int:environment>/check/", views.check_drift_now, name="check-drift"),
]

register(
    app_name,
    {
        "preview-plan": Rule(VIEW, project_slug=True),
        "drift": Rule(VIEW, project_slug=True),
        "check-drift": Rule(VIEW, project_slug=True),
    },
)
