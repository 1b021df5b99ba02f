"""Running a deployment: claim it, deploy each step to each matching target, record the outcome."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from deployer.aws.cloudformation import KnownStack
from deployer.aws.ecs import RolloutWatch
from deployer.aws.errors import AwsError
from deployer.aws.polling import CallCounter, Cancelled, Poller, TimedOut
from deployer.aws.service_deployments import ServiceDeploymentWatch
from deployer.aws.service_state import read_service_state
from deployer.aws.session import ClientFactory
from deployer.deployments.account_preflight import check_account
from deployer.deployments.events import announce
from deployer.deployments.failures import (
    AWS_ERROR,
    NO_TARGETS,
    TIMEOUT,
    VALIDATION_ERROR,
    DeploymentFailed,
)
from deployer.deployments.models import Deployment
from deployer.deployments.preparation import prepare_step, stack_parameters
from deployer.deployments.secret_store import store_secrets
from deployer.deployments.stack_run import StackRun, crash_loop_threshold
from deployer.deployments.tasklog import TaskLog
from deployer.plans.drift import keep_only_states_of, record_deployed_state
from deployer.plans.planner import StepPlan, plan_template
from deployer.projects.variables import Masker, masked_artifacts, masker_for
from deployer.releases.snapshot import snapshot_documents, snapshot_variables
from steps.document.model import DocumentError, StepDocument
from steps.template.builder import DeployContext, build_template
from steps.template.preflight import PreflightError, begin_deployable
from targets.models import ClusterTarget
from targets.selection import no_targets_message, targets_for

logger = logging.getLogger(__name__)


class DeploymentRun(StackRun):
    """One attempt at a claimed deployment, in one worker."""

    # The clock that timeouts are measured on (a test can make minutes pass in moments).
    clock = staticmethod(time.monotonic)

    def __init__(self, deployment: Deployment, worker: str) -> None:
        self.deployment = deployment
        self.worker = worker
        self.release = deployment.release
        self.environment = deployment.environment
        self.masker = Masker()
        self.log = TaskLog(deployment, self.masker)
        self.started_at = timezone.now() - dt.timedelta(seconds=1)
        self.poll_seconds = settings.POLL_SECONDS
        # Shared by every look at ECS in this run, so no event or stopped task is told twice.
        self.seen_service_events: set[str] = set()
        self.reported_tasks: set[str] = set()
        self.failed_tasks: list[dict[str, Any]] = []
        self.failed_counts: dict[str, int] = {}
        self.stopping_tasks: set[str] = set()
        # The look at the service while CloudFormation waited on it; the rollout starts from
        # its last answer rather than asking again.
        self._live_watch: RolloutWatch | None = None
        # Desired count -> stopped tasks allowed, for the step being deployed; None: guard off.
        self.crash_loop_threshold: Callable[[int], int] | None = None
        self.rollout_state: dict[str, Any] = {}
        self.service_deployment_watch: ServiceDeploymentWatch | None = None
        self.settled_service: dict[str, Any] | None = None

    # The run

    def run(self) -> None:
        deployment = self.deployment
        if deployment.attempt > 1:
            self.log.warning(
                f"Resuming (attempt {deployment.attempt}): the worker running this deployment "
                "stopped answering. The stack workflow picks up each stack where it is."
            )
        self.log.info(
            f"Deploying {self.release.project.name} release {self.release.version} to "
            f"{self.environment.name} (worker {self.worker})."
        )
        try:
            outputs = self._deploy_all()
        except DeploymentFailed as exc:
            self._finish(Deployment.Status.FAILED, exc.code, exc.summary, exc.hint)
        except Cancelled:
            self.log.warning("Deployment cancelled.")
            self._finish(Deployment.Status.CANCELLED)
        except Exception as exc:  # a bug must still end the deployment, visibly
            logger.exception("Deployment %s crashed", deployment.pk)
            self.log.error(f"Internal error: {exc.__class__.__name__}: {exc}")
            self._finish(Deployment.Status.FAILED, "Deployer-InternalError", str(exc))
        else:
            self.deployment.outputs = outputs
            keep_only_states_of(self.deployment)
            self._finish(Deployment.Status.SUCCESS)

    def _deploy_all(self) -> dict[str, dict[str, str]]:
        documents = snapshot_documents(self.release)
        values = snapshot_variables(self.release)
        for secret in masker_for(values).secrets:
            self.masker.add(secret)
        plan: list[tuple[StepDocument, list[ClusterTarget]]] = []
        for document in documents:
            targets = targets_for(document.target_roles, self.environment.pk)
            if not targets:
                raise DeploymentFailed(
                    NO_TARGETS, no_targets_message(document.target_roles, self.environment.name)
                )
            plan.append((document, targets))
        outputs: dict[str, dict[str, str]] = {}
        for document, targets in plan:
            for target in targets:
                with self.phase(f"Step {document.name} on {target.name}"):
                    outputs[document.name] = self._deploy_step(document, target, values)
        return outputs

    def _deploy_step(
        self, document: StepDocument, target: ClusterTarget, values: list[Any]
    ) -> dict[str, str]:
        prepared = prepare_step(
            self.release,
            self.environment,
            document,
            target,
            values,
            deployment_id=self.deployment.pk,
            created_by=self.deployment.created_by.get_username()
            if self.deployment.created_by
            else "",
        )
        with self.phase("Substituting variables and validating"):
            substitution = prepared.substitution
            for secret in substitution.derived_secrets:
                self.masker.add(secret)
            if not substitution.ok or substitution.document is None:
                self._validation_failed(substitution.findings())
            # Before the first write: storing the step's secrets in SSM is one.
            assert substitution.document is not None
            check_account(self, substitution.document, target)
            store_secrets(self, substitution, target)
            substituted = substitution.document
            assert substituted is not None
            context = prepared.context()
            try:
                check = begin_deployable(substituted, context)
            except PreflightError as exc:
                self._validation_failed([str(f) for f in exc.findings])
            except DocumentError as exc:
                self._validation_failed([str(p) for p in exc.problems])
        stack_name = context.stack_name(substituted)
        template_yaml = check.template_yaml

        def linted(known: KnownStack | None) -> None:
            # cfn-lint ran while the stack's state was read; its errors stop the deployment
            # before the stack workflow writes anything.
            try:
                check.result()
            except PreflightError as exc:
                self._validation_failed([str(f) for f in exc.findings])
            self._save_artifacts(document.name, template_yaml, substitution.data)
            # The plan is a look, not a write, but its change set is a call that changes AWS:
            # it comes once the step is known to be deployable, against the stack as it is now.
            self._log_plan(substituted, target, context, stack_name, known)

        poller = self._poller(substituted)
        self.crash_loop_threshold = crash_loop_threshold(substituted)

        def on_retry(message: str) -> None:
            self.log.warning(message)
            poller.back_off()

        factory = ClientFactory(target.account, on_retry=on_retry)
        # The poller keeps this step's polling within its call budget.
        counter = CallCounter()
        for service in ("cloudformation", "ecs"):
            counter.watch(factory.client(service, target.region))
        poller.calls = lambda: counter.count
        try:
            outputs = self._run_stack(
                substituted, target, factory, stack_name, template_yaml, context, poller, linted
            )
        except AwsError as exc:
            raise DeploymentFailed(AWS_ERROR, exc.message) from exc
        except TimedOut as exc:
            self.log.error(str(exc))
            raise DeploymentFailed(TIMEOUT, str(exc)) from exc
        if substituted.deployment_options.wait != "dont_wait":
            scaled = substituted.deployment.auto_scaling is not None
            self._record_deployed_state(str(document.name), target, stack_name, outputs, scaled)
        return outputs

    def _log_plan(
        self,
        document: StepDocument,
        target: ClusterTarget,
        context: DeployContext,
        stack_name: str,
        known: KnownStack | None = None,
    ) -> None:
        """Log the change plan against the stack as it is now; a failure is only a warning."""
        step = StepPlan(str(document.name), target.name, stack_name)
        try:
            plan_template(
                step,
                # Its own clients: the plan's calls do not count against the poller's budget.
                ClientFactory(target.account),
                target,
                build_template(document, context),
                stack_parameters(document, stack_name),
                [{"Key": t.key, "Value": t.value} for t in context.stack_tags()],
                tuple(self.masker.secrets),
                wait=0,
                review_creation=False,
                known=known,
            )
        except Exception as exc:  # the plan informs; it never decides the deployment
            message = exc.message if isinstance(exc, AwsError) else f"{type(exc).__name__}: {exc}"
            self.log.warning(f"Could not compute the change plan: {message}")
            return
        if step.error:
            self.log.warning(f"Change plan: not computed: {step.error}.")
            return
        self.log.info(f"Change plan: {step.verdict}")
        for line in step.lines()[1:]:
            self.log.info(line)

    def _record_deployed_state(
        self,
        step_name: str,
        target: ClusterTarget,
        stack_name: str,
        outputs: dict[str, str],
        auto_scaled: bool,
    ) -> None:
        """Keep what the step left running, for drift checks; a failure is only a warning.

        An auto-scaled service's desired count is the scaling policy's to change: not drift.
        """
        service = outputs.get("ServiceName", "")
        if not service:
            return
        settled = self.settled_service
        try:
            state = read_service_state(
                ClientFactory(target.account).client("ecs", target.region),
                target.cluster_name,
                service,
                described=settled if settled and settled.get("serviceName") == service else None,
            )
        except AwsError as exc:
            self.log.warning(f"Could not record the deployed service for drift checks: {exc}")
            return
        if state is not None:
            record_deployed_state(
                self.deployment,
                step_name,
                target,
                stack_name,
                service,
                state,
                self.masker.mask,
                ignore=("Desired count",) if auto_scaled else (),
            )

    # Helpers

    def _validation_failed(self, findings: list[str]) -> None:
        self.log.error(f"{VALIDATION_ERROR}: the step is not valid after substitution:")
        for finding in findings:
            self.log.error(f"  {finding}")
        raise DeploymentFailed(VALIDATION_ERROR, findings[0] if findings else "invalid step")

    def _poller(self, document: StepDocument) -> Poller:
        deadline = None
        options = document.deployment_options
        if options.wait == "wait_with_timeout" and isinstance(options.timeout_minutes, int):
            deadline = self.clock() + options.timeout_minutes * 60
        # Adaptive: quick polls (a fifth of the longest interval, and at most one AWS call per
        # that long on average) while something is due to end, slower up to POLL_SECONDS else.
        quick = self.poll_seconds / 5
        return Poller(
            sleep=self._sleep,
            cancelled=self._cancel_requested,
            deadline=deadline,
            started=self.clock(),
            monotonic=self.clock,
            quick_seconds=quick,
            seconds_per_call=quick,
        )

    def _sleep(self, seconds: float) -> None:
        # Liveness is recorded by the worker's heartbeat thread (tasks.Heartbeat), not here: a
        # poll loop stuck in a slow call must not look like a dead worker.
        time.sleep(seconds)

    def _cancel_requested(self) -> bool:
        return Deployment.objects.filter(pk=self.deployment.pk, cancel_requested=True).exists()

    def _save_artifacts(self, step_name: str, template_yaml: str, data: dict[str, Any]) -> None:
        artifacts = dict(self.deployment.artifacts)
        artifacts[step_name] = {"template": template_yaml, "document": data}
        # Everything stored goes through the one masking function, whatever an artifact holds.
        artifacts = masked_artifacts(artifacts, self.masker)
        self.deployment.artifacts = artifacts
        Deployment.objects.filter(pk=self.deployment.pk).update(artifacts=artifacts)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        # Step, target and service names are the user's and may fill the column on their own.
        limit = Deployment._meta.get_field("phase").max_length or 200
        shown = name if len(name) <= limit else name[: limit - 1] + "…"
        Deployment.objects.filter(pk=self.deployment.pk).update(phase=shown)
        self.log.info(f"{name}: started")
        began = time.monotonic()
        try:
            yield
        except BaseException:
            self.log.info(f"{name}: stopped after {time.monotonic() - began:.1f}s")
            raise
        self.log.info(f"{name}: finished in {time.monotonic() - began:.1f}s")

    def _finish(self, status: str, code: str = "", reason: str = "", hint: str = "") -> None:
        if status == Deployment.Status.FAILED and reason:
            self.log.error(f"Why: {reason}")
            if hint:
                self.log.error(f"Hint: {hint}")
        self.log.write(
            "error" if status == Deployment.Status.FAILED else "info",
            f"Deployment {dict(Deployment.Status.choices)[status]}.",
        )
        with transaction.atomic():
            finished = Deployment.objects.filter(pk=self.deployment.pk, worker=self.worker).update(
                status=status,
                finished=timezone.now(),
                failure_code=code,
                failure_reason=self.masker.mask(reason),
                failure_hint=hint,
                outputs=self.deployment.outputs,
                phase="",
            )
            if finished:
                announce(self.deployment.pk, status)
