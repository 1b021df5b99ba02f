"""URLs under /deployments/."""

from __future__ import annotations

from django.urls import path

from deployer.deployments import views as deployments

app_name = "deployments"

urlpatterns = [
    path("", deployments.list_deployments, name="list"),
    path("<int:pk>/", deployments.show_deployment, name="detail"),
    path("<int:pk>/poll/", deployments.poll_deployment, name="poll"),
    path("<int:pk>/cancel/", deployments.cancel_deployment, name="cancel"),
    path("<int:pk>/approve/", deployments.approve_deployment, name="approve"),
    path("<int:pk>/reject/", deployments.reject_deployment, name="reject"),
    path("<int:pk>/continue/", deployments.continue_deployment, name="continue"),
    path(
        "<int:pk>/files/<str:step>/<str:kind>/",
        deployments.download_artifact,
        name="download",
    ),
]
