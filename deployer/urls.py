"""The site's URL map."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import include, path

from deployer.views import site

urlpatterns = [
    path("", site.dashboard, name="dashboard"),
    path("healthz", site.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("projects/<slug:slug>/variables/", include("deployer.variable_urls")),
    path("projects/<slug:slug>/releases/", include("deployer.release_urls")),
    path("projects/", include("deployer.project_urls")),
    path("deployments/", include("deployer.deployment_urls")),
    path("infrastructure/feeds/", include("deployer.feed_urls")),
    path("infrastructure/", include("targets.urls")),
]
