"""django-q's `qcluster`, which also requeues deployments whose worker died, every few seconds."""

from __future__ import annotations

import logging
import os
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections
from django_q.cluster import Cluster
from django_q.management.commands.qcluster import Command as QclusterCommand

from deployer.deployments.tasks import resume_stale_deployments

logger = logging.getLogger(__name__)


class Command(QclusterCommand):
    help = (
        "Start a django-q cluster running deployments; every DEPLOYER_RESUME_CHECK_SECONDS it "
        "also requeues deployments whose worker stopped heartbeating."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # As django-q's own command does, then watch for dead workers' deployments until the
        # cluster stops: django-q's scheduler only runs every 30 seconds.
        settings.SECRET_KEY  # noqa: B018 - refuse to start without one, as django-q does
        if options.get("cluster_name"):
            os.environ["Q_CLUSTER_NAME"] = options["cluster_name"]
        cluster = Cluster()
        cluster.start()
        if options.get("run_once", False):
            cluster.stop()
            return
        sentinel = cluster.sentinel
        while sentinel is not None and sentinel.is_alive():
            try:
                resumed = resume_stale_deployments()
            except DatabaseError:
                logger.warning("Could not check for deployments to resume", exc_info=True)
            else:
                if resumed:
                    logger.info("Requeued %d deployment(s) whose worker stopped", resumed)
            finally:
                connections.close_all()
            # Returns at once when the cluster stops (a signal, or its sentinel died).
            sentinel.join(settings.RESUME_CHECK_SECONDS)
