"""URLs under /audit/."""

from __future__ import annotations

from django.urls import path

from deployer.access.permissions import ADMINISTER
from deployer.access.policy import Rule, register
from deployer.audit import views

app_name = "audit"

urlpatterns = [path("", views.list_events, name="list")]

register(app_name, {"list": Rule(ADMINISTER)})
