"""URLs under /projects/<slug>/releases/."""

from __future__ import annotations

from django.urls import path

from deployer.deployments import views as deployments
from deployer.releases import views as releases

app_name = "releases"

urlpatterns = [
    path("", releases.list_releases, name="list"),
    path("new/", releases.create_release, name="create"),
    path("<str:version>/", releases.show_release, name="detail"),
    path("<str:version>/delete/", releases.delete_release, name="delete"),
    path("<str:version>/deploy/", deployments.deploy_release, name="deploy"),
]
