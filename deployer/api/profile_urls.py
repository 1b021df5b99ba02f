"""URLs under /profile/: the signed-in user's own page, open to every logged-in user."""

from __future__ import annotations

from django.urls import path

from deployer.access.policy import ANYONE, register
from deployer.api import views

app_name = "profile"

urlpatterns = [
    path("", views.show_profile, name="show"),
    path("tokens/<int:pk>/revoke/", views.revoke_api_token, name="revoke-token"),
]

register(app_name, {pattern.name: ANYONE for pattern in urlpatterns if pattern.name})
