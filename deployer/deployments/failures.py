"""Why a deployment failed: the error codes a run ends with, and the exception that carries one."""

from __future__ import annotations

from deployer.aws.diagnosis import Diagnosis

VALIDATION_ERROR = "ECS-Deploy-ValidationError"
# The account lacks what the step refers to (an image tag, a subnet, a role, …); nothing written.
PREFLIGHT_ERROR = "ECS-Deploy-PreflightError"
DEPLOY_FAILED = "ECS-Deployment-DeployFailed"
ROLLOUT_FAILED = "ECS-Deployment-RolloutFailed"
TIMEOUT = "ECS-Deployment-Timeout"
AWS_ERROR = "ECS-Deployment-AwsError"
NO_TARGETS = "ECS-Deployment-NoTargets"
CRASH_LOOP = "ECS-Deployment-CrashLoop"
# The ECS service deployment rolled back: an alarm, a lifecycle hook, a timeout, or a person.
ROLLED_BACK = "ECS-Deployment-RolledBack"


class DeploymentFailed(Exception):
    """Ends the deployment as Failed with an error code and the first reason.

    With a diagnosis, the stored reason leads with the root cause and what ECS did about it.
    """

    def __init__(self, code: str, reason: str, diagnosis: Diagnosis | None = None) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason
        self.diagnosis = diagnosis

    @property
    def summary(self) -> str:
        if self.diagnosis is None or not (self.diagnosis.cause or self.diagnosis.action):
            return self.reason
        return self.diagnosis.summary(self.code, self.reason)

    @property
    def hint(self) -> str:
        return self.diagnosis.hint if self.diagnosis is not None else ""
