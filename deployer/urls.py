"""The site's URL map."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import include, path

from deployer import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("projects/", views.list_projects, name="projects"),
    path("deployments/", views.list_deployments, name="deployments"),
    path("infrastructure/", include("targets.urls")),
]
