"""The notifications app: webhooks per project, delivered on the queue."""

from __future__ import annotations

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "deployer.notifications"
    label = "notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from deployer.deployments.events import status_changed
        from deployer.notifications.delivery import queue_notifications

        status_changed.connect(queue_notifications, dispatch_uid="notifications-webhooks")
