"""The site's URL map."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import include, path

from deployer.core import views as site

urlpatterns = [
    path("", site.dashboard, name="dashboard"),
    path("healthz", site.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("projects/<slug:slug>/variables/", include("deployer.projects.variable_urls")),
    path("projects/<slug:slug>/releases/", include("deployer.releases.urls")),
    path("projects/<slug:slug>/", include("deployer.plans.urls")),
    path("projects/", include("deployer.projects.urls")),
    path("deployments/", include("deployer.deployments.urls")),
    path("audit/", include("deployer.audit.urls")),
    path("users/", include("deployer.access.urls")),
    path("lifecycles/", include("deployer.lifecycles.urls")),
    path("infrastructure/feeds/", include("deployer.feeds.urls")),
    path("infrastructure/", include("targets.urls")),
]
