"""ECS calls: cluster checks now; rollout verification joins them with deployments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deployer.aws.errors import AwsError, aws_errors


@dataclass(frozen=True)
class ClusterCheck:
    """The outcome of looking a cluster up, worded for the person who pressed "Test connection"."""

    ok: bool
    message: str
    status: str = ""


def check_cluster(client: Any, cluster_name: str) -> ClusterCheck:
    try:
        with aws_errors("ecs:DescribeClusters"):
            response = client.describe_clusters(clusters=[cluster_name])
    except AwsError as exc:
        return ClusterCheck(ok=False, message=exc.message)
    clusters = [c for c in response.get("clusters", []) if c.get("clusterName") == cluster_name]
    status = clusters[0].get("status", "") if clusters else ""
    if status != "ACTIVE":
        return ClusterCheck(
            ok=False,
            message=f"Unable to find Cluster: {cluster_name}, or Cluster is Inactive",
            status=status,
        )
    cluster = clusters[0]
    return ClusterCheck(
        ok=True,
        status=status,
        message=(
            f"Cluster {cluster_name} is ACTIVE: {cluster.get('activeServicesCount', 0)} services, "
            f"{cluster.get('runningTasksCount', 0)} running tasks."
        ),
    )
