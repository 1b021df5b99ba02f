"""`status_changed`: sent whenever a deployment's status changes (for notifications).

Every status change goes through `announce`: a deployment queued or awaiting approval
(`start_deployment`), approved or rejected, cancelled before it started, and finished by its
worker. Receivers run inside the transaction that changes the status: they wrap their database
work in `transaction.atomic()` (so an error rolls back only theirs) and leave anything outside
the database to `transaction.on_commit`. A receiver's error is logged and never reaches the
deployment.
"""

from __future__ import annotations

import logging

from django.dispatch import Signal

logger = logging.getLogger(__name__)

# Sent with deployment_id (int) and status (a Deployment.Status value).
status_changed = Signal()


def announce(deployment_id: int, status: str) -> None:
    """Tell the receivers that the deployment now has `status`."""
    sent = status_changed.send_robust(None, deployment_id=deployment_id, status=status)
    for _receiver, result in sent:
        if isinstance(result, Exception):
            logger.error(
                "A receiver of deployment %s's status %s failed: %r", deployment_id, status, result
            )
