"""Running a deployment: claim it, deploy each step to each matching target, record the outcome."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, NoReturn

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from deployer.aws.cloudformation import StackWorkflow
from deployer.aws.diagnosis import Diagnosis, RolloutFacts, diagnose, short_task_definition
from deployer.aws.ecs import (
    CrashLoop,
    RolloutWatch,
    roll_back_service,
    scale_service,
    service_of_stack,
)
from deployer.aws.errors import AwsError
from deployer.aws.polling import CallCounter, Cancelled, Poller, TimedOut
from deployer.aws.session import ClientFactory
from deployer.deployments.models import Deployment
from deployer.deployments.secret_store import store_secrets
from deployer.deployments.tasklog import TaskLog
from deployer.projects.variables import (
    DeploymentFacts,
    Masker,
    deployment_variables,
    masked_artifacts,
    masker_for,
)
from deployer.releases.snapshot import snapshot_documents, snapshot_images, snapshot_variables
from steps.document.model import DocumentError, StepDocument
from steps.template.builder import DeployContext
from steps.template.naming import automatic_tags
from steps.template.preflight import PreflightError, begin_deployable
from steps.template.substitution import substitute_step
from targets.models import ClusterTarget
from targets.selection import no_targets_message, targets_for

logger = logging.getLogger(__name__)

VALIDATION_ERROR = "ECS-Deploy-ValidationError"
DEPLOY_FAILED = "ECS-Deployment-DeployFailed"
ROLLOUT_FAILED = "ECS-Deployment-RolloutFailed"
TIMEOUT = "ECS-Deployment-Timeout"
AWS_ERROR = "ECS-Deployment-AwsError"
NO_TARGETS = "ECS-Deployment-NoTargets"
CRASH_LOOP = "ECS-Deployment-CrashLoop"
DEPLOYMENT_ID_TAG = "Octopus.Deployment.Id"


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


class DeploymentRun:
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
        facts = DeploymentFacts(
            project_name=self.release.project.name,
            project_id=self.release.project_id,
            environment_name=self.environment.name,
            environment_id=self.environment.pk,
            release_number=self.release.version,
            deployment_id=self.deployment.pk,
            created_by=self.deployment.created_by.get_username()
            if self.deployment.created_by
            else "",
            step_name=str(document.name),
            machine_name=target.name,
            region=target.region,
            cluster_name=target.cluster_name,
            images=tuple(snapshot_images(self.release)),
        )
        variables, _ = deployment_variables(values, self.environment.pk, facts)
        sensitive = {v.name for v in values if v.sensitive}
        with self.phase("Substituting variables and validating"):
            substitution = substitute_step(document, variables, sensitive)
            for secret in substitution.derived_secrets:
                self.masker.add(secret)
            if not substitution.ok or substitution.document is None:
                self._validation_failed(substitution.findings())
            store_secrets(self, substitution, target)
            substituted = substitution.document
            assert substituted is not None
            context = DeployContext(
                cluster_name=target.cluster_name,
                region=target.region,
                environment_name=self.environment.name,
                images={image.package: image.image for image in facts.images},
                automatic_tags=tuple(automatic_tags(variables)),
                user_stack_tags=tuple((t.key, t.value) for t in substituted.tags.tags),
            )
            try:
                check = begin_deployable(substituted, context)
            except PreflightError as exc:
                self._validation_failed([str(f) for f in exc.findings])
            except DocumentError as exc:
                self._validation_failed([str(p) for p in exc.problems])
        stack_name = context.stack_name(substituted)
        template_yaml = check.template_yaml

        def linted() -> None:
            # cfn-lint ran while the stack's state was read; its errors stop the deployment
            # before the stack workflow writes anything.
            try:
                check.result()
            except PreflightError as exc:
                self._validation_failed([str(f) for f in exc.findings])
            self._save_artifacts(document.name, template_yaml, substitution.data)

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
            return self._run_stack(
                substituted, target, factory, stack_name, template_yaml, context, poller, linted
            )
        except AwsError as exc:
            raise DeploymentFailed(AWS_ERROR, exc.message) from exc
        except TimedOut as exc:
            self.log.error(str(exc))
            raise DeploymentFailed(TIMEOUT, str(exc)) from exc

    def _run_stack(
        self,
        document: StepDocument,
        target: ClusterTarget,
        factory: ClientFactory,
        stack_name: str,
        template_yaml: str,
        context: DeployContext,
        poller: Poller,
        before_write: Callable[[], None],
    ) -> dict[str, str]:
        wait = document.deployment_options.wait != "dont_wait"
        self._live_watch = None
        parameters = []
        if any(container.logging.type == "auto" for container in document.containers):
            # The template's default, /ecs/<task definition name>, is the same for every
            # environment: two stacks in one account and region would both create that log group
            # and the second would fail. The stack's own name is unique, so name the group after it.
            parameters.append(
                {"ParameterKey": "LogGroupName", "ParameterValue": f"/ecs/{stack_name}"}
            )
        workflow = StackWorkflow(
            factory.client("cloudformation", target.region),
            stack_name,
            template_yaml,
            parameters=parameters,
            tags=[{"Key": t.key, "Value": t.value} for t in context.stack_tags()],
            log=self._log_callback,
            poller=poller,
            started_at=self.started_at,
            poll_seconds=self.poll_seconds,
            settle_poller=Poller(sleep=self._sleep),
            left_by=self._left_by,
            settle_creation=self._scale_to_zero(factory, target),
            before_write=before_write,
        )
        workflow.on_poll = self._live_rollout(factory, target, workflow)
        try:
            return self._follow(document, target, factory, workflow, poller, wait)
        except Cancelled:
            self.log.warning("Cancelled: stopping this deployment's stack operation.")
            try:
                self.log.warning(workflow.stop(before_delete=self._scale_to_zero(factory, target)))
            except AwsError as exc:
                self.log.warning(
                    f"Could not stop the operation of stack {stack_name}: {exc.message}. "
                    "Look at the stack in the CloudFormation console."
                )
            raise
        except CrashLoop as loop:
            self._crash_loop(loop, document, target, factory, workflow)

    def _crash_loop(
        self,
        loop: CrashLoop,
        document: StepDocument,
        target: ClusterTarget,
        factory: ClientFactory,
        workflow: StackWorkflow,
    ) -> NoReturn:
        """End a rollout whose tasks keep crashing; by default return the service to before.

        During a stack update the update is cancelled rather than the service repointed with
        UpdateService: CloudFormation then rolls the service back to the previous template's
        task definition itself, so the stack (UPDATE_ROLLBACK_COMPLETE) and the service agree.
        An UpdateService behind CloudFormation's back would leave the stack naming a task
        definition the service no longer runs, and CloudFormation still waiting on the
        deployment it started. A creation has nothing to return to: the service is scaled to
        zero so it settles, and the stack deleted.
        """
        guard = document.deployment_options.crash_loop_guard
        self.log.error(f"{CRASH_LOOP}: {loop}")
        rolled_back_to = ""
        stack_removed = False
        rollback = guard.rollback is True
        if workflow.started is None:
            # Seen while waiting for someone else's stack operation: not ours to undo.
            rollback = False
            self.log.warning(
                f"Stack {workflow.stack_name} is busy with an operation this deployment did not "
                "start; it is left alone."
            )
        elif rollback:
            try:
                if self._stack_in_progress(workflow):
                    self.log.warning(
                        workflow.stop(before_delete=self._scale_to_zero(factory, target))
                    )
                    stack_removed = workflow.started == "created" and not self._stack_exists(
                        workflow
                    )
                elif loop.previous:
                    # The stack had settled already (the rollout was followed after it):
                    # only the service can be moved back.
                    service = self._service_name(factory, target, workflow)
                    if service:
                        roll_back_service(
                            factory.client("ecs", target.region),
                            target.cluster_name,
                            service,
                            loop.previous,
                        )
                        self.log.warning(
                            f"Rolled service {service} back to task definition "
                            f"{short_task_definition(loop.previous)} (UpdateService); stack "
                            f"{workflow.stack_name} still names "
                            f"{short_task_definition(loop.task_definition)} until the next "
                            "deployment."
                        )
                rolled_back_to = self._service_task_definition(factory, target, workflow)
                if rolled_back_to == loop.task_definition:
                    rolled_back_to = ""
            except AwsError as exc:
                self.log.warning(f"Could not roll the service back: {exc.message}")
        else:
            status = (workflow.describe() or {}).get("StackStatus", "absent")
            self.log.warning(
                "Rollback is off for the crash-loop guard: the service is left running "
                f"{short_task_definition(loop.task_definition)}, and stack {workflow.stack_name} "
                f"is left {status}."
                + (
                    " The next deployment cancels that update before it starts."
                    if status == "UPDATE_IN_PROGRESS"
                    else ""
                )
            )
        facts = RolloutFacts(
            stopped_by="crash-loop guard",
            rolled_back_to=rolled_back_to,
            stopped_count=loop.stopped,
            left_running=guard.rollback is not True,
            stack_removed=stack_removed,
        )
        raise DeploymentFailed(CRASH_LOOP, str(loop), diagnose(self.failed_tasks, facts))

    def _stack_exists(self, workflow: StackWorkflow) -> bool:
        stack = workflow.describe()
        return stack is not None and stack["StackStatus"] != "DELETE_COMPLETE"

    def _stack_in_progress(self, workflow: StackWorkflow) -> bool:
        stack = workflow.describe()
        return stack is not None and str(stack["StackStatus"]).endswith("_IN_PROGRESS")

    def _service_name(
        self, factory: ClientFactory, target: ClusterTarget, workflow: StackWorkflow
    ) -> str | None:
        stack = workflow.describe()
        if stack is None:
            return None
        return service_of_stack(factory.client("cloudformation", target.region), stack["StackId"])

    def _service_task_definition(
        self, factory: ClientFactory, target: ClusterTarget, workflow: StackWorkflow
    ) -> str:
        """The task definition the stack's service now runs ("" when there is no service)."""
        try:
            service = self._service_name(factory, target, workflow)
            if service is None:
                return ""
            return self._rollout_watch(factory, target, service).current_task_definition()
        except AwsError:
            return ""

    def _scale_to_zero(
        self, factory: ClientFactory, target: ClusterTarget
    ) -> Callable[[str], None]:
        """Lets a creation that is being abandoned settle now instead of after ECS gives up."""

        def scale(stack_id: str) -> None:
            try:
                service = service_of_stack(
                    factory.client("cloudformation", target.region), stack_id
                )
                if service is not None:
                    scale_service(
                        factory.client("ecs", target.region), target.cluster_name, service, 0
                    )
                    self.log.info(f"Scaled service {service} to 0 tasks so the creation settles.")
            except AwsError as exc:
                self.log.verbose(f"Could not scale the service down: {exc.message}")

        return scale

    def _left_by(self, stack: dict[str, Any]) -> str | None:
        """The finished deployment of ours that started the stack's operation in progress."""
        tags = {t.get("Key"): t.get("Value", "") for t in stack.get("Tags", []) or []}
        number = str(tags.get(DEPLOYMENT_ID_TAG, "")).removeprefix("Deployments-")
        if not number.isdigit() or int(number) == self.deployment.pk:
            return None
        earlier = Deployment.objects.filter(pk=int(number)).first()
        # A "don't wait" deployment succeeded without waiting: its operation is still wanted.
        if earlier is None or earlier.status not in (
            Deployment.Status.FAILED,
            Deployment.Status.CANCELLED,
        ):
            return None
        return f"deployment {earlier.pk} ({earlier.get_status_display()})"

    def _follow(
        self,
        document: StepDocument,
        target: ClusterTarget,
        factory: ClientFactory,
        workflow: StackWorkflow,
        poller: Poller,
        wait: bool,
    ) -> dict[str, str]:
        """Run the stack operation, then (when waiting) follow the ECS rollout it started."""
        stack_name = workflow.stack_name
        with self.phase(f"CloudFormation stack {stack_name}"):
            result = workflow.run(wait=wait)
        if not result.ok and wait:
            self.log.error(
                f"{DEPLOY_FAILED}: stack {stack_name} ended {result.status}"
                + (f": {result.status_reason}" if result.status_reason else "")
            )
            for event in result.failed_events:
                self.log.error(f"  {event}")
            running = self._explain_with_stopped_tasks(factory, target, result.stack_id)
            first = next((e.reason for e in result.failed_events if e.reason), result.status_reason)
            reason = first or f"Stack ended {result.status}."
            raise DeploymentFailed(
                DEPLOY_FAILED, reason, self._diagnose(reason, running, workflow.started)
            )
        outputs = {
            "ServiceName": result.outputs.get("ServiceName", ""),
            "ClusterName": result.outputs.get("ClusterName", target.cluster_name),
            "CloudFormationStackName": stack_name,
            "TaskDefinitionFamily": result.outputs.get("TaskDefinitionFamily", ""),
            "TaskDefinitionRevision": result.outputs.get("TaskDefinitionArn", "").rsplit(":", 1)[
                -1
            ],
            "Region": target.region,
            "StackId": result.stack_id,
        }
        if not wait:
            self.log.info("Not waiting for the stack or the tasks (deployment option: don't wait).")
            return outputs
        task_definition_arn = result.outputs.get("TaskDefinitionArn", "")
        if task_definition_arn and outputs["ServiceName"]:
            with self.phase(f"ECS rollout of {outputs['ServiceName']}"):
                watch = self._rollout_watch(
                    factory, target, outputs["ServiceName"], task_definition_arn, poller
                )
                live = self._live_watch
                if live is not None and live.service == outputs["ServiceName"]:
                    watch.answer = live.last_service
                rollout = watch.run()
            if not rollout.ok:
                self.log.error(f"{ROLLOUT_FAILED}: {rollout.message}")
                running = ""
                with suppress(AwsError):
                    running = self._rollout_watch(
                        factory, target, outputs["ServiceName"]
                    ).current_task_definition()
                if running == task_definition_arn:
                    running = ""
                raise DeploymentFailed(
                    ROLLOUT_FAILED,
                    rollout.message,
                    self._diagnose(rollout.message, running, workflow.started),
                )
            self.log.info(rollout.message)
        for name, value in outputs.items():
            self.log.info(
                f"Output variable Octopus.Action[{document.name}].Output.{name} = {value}"
            )
        return outputs

    # Helpers

    def _rollout_watch(
        self,
        factory: ClientFactory,
        target: ClusterTarget,
        service: str,
        task_definition_arn: str = "",
        poller: Poller | None = None,
    ) -> RolloutWatch:
        """A look at the service that shares this run's memory of what was already told."""
        return RolloutWatch(
            factory.client("ecs", target.region),
            cluster=target.cluster_name,
            service=service,
            task_definition_arn=task_definition_arn,
            log=self._log_callback,
            poller=poller or Poller(sleep=time.sleep),
            started_at=self.started_at,
            on_counts=self._save_counts,
            poll_seconds=self.poll_seconds,
            seen_events=self.seen_service_events,
            reported_tasks=self.reported_tasks,
            failed_tasks=self.failed_tasks,
            crash_loop_threshold=self.crash_loop_threshold,
            failed_counts=self.failed_counts,
            stopping=self.stopping_tasks,
        )

    def _live_rollout(
        self, factory: ClientFactory, target: ClusterTarget, workflow: StackWorkflow
    ) -> Callable[[str], str | None]:
        """A stack poll hook that shows the service's rollout while CloudFormation waits on it.

        The service is found from the stack's events (its physical id), or, when no event of
        this deployment's time names it (an operation already under way), asked once per stack.
        Answers the workflow's hint: "waiting" while the rollout runs, "nearly" near its end,
        "ending" once it has ended.
        """
        asked: set[str] = set()

        def on_poll(stack_id: str) -> str | None:
            try:
                service = workflow.service_id
                # An operation of ours names the service in its events; another's may not.
                if service is None and workflow.started is None and stack_id not in asked:
                    asked.add(stack_id)
                    service = service_of_stack(
                        factory.client("cloudformation", target.region), stack_id
                    )
                    workflow.service_id = service
                if service is None:
                    return None  # not created yet
                if self._live_watch is None or self._live_watch.service != service:
                    self._live_watch = self._rollout_watch(factory, target, service)
                watch = self._live_watch
                watch.watch_primary()
            except AwsError as exc:
                # Progress is a courtesy: the stack's own outcome decides the deployment.
                self.log.verbose(f"Could not read the service's progress: {exc.message}")
                return None
            state = watch.primary_state()
            if state == "IN_PROGRESS":
                return "nearly" if watch.ending_soon() else "waiting"
            # Completed or failed: CloudFormation notices within moments.
            return "ending" if state in ("COMPLETED", "FAILED") else "busy"

        return on_poll

    def _explain_with_stopped_tasks(
        self, factory: ClientFactory, target: ClusterTarget, stack_id: str
    ) -> str:
        """After a failed stack operation, show why the service's new tasks stopped, if any did.

        Returns the task definition the service runs now ("" when there is no service left).
        """
        try:
            service = service_of_stack(factory.client("cloudformation", target.region), stack_id)
            if service is None:
                return ""
            watch = self._rollout_watch(factory, target, service)
            watch.report_stopped_tasks(any_task_definition=True)
            return watch.current_task_definition()
        except AwsError as exc:
            self.log.warning(f"Could not read the service's stopped tasks: {exc.message}")
            return ""

    def _diagnose(self, reason: str, running: str, operation: str | None) -> Diagnosis | None:
        """The root cause of a failed rollout from the tasks that stopped, if any stopped."""
        if not self.failed_tasks:
            return None
        breaker = "circuit breaker" in reason.lower()
        facts = RolloutFacts(
            stopped_by="circuit breaker" if breaker else "CloudFormation",
            # After an update, the service runs what it ran before; a failed creation has
            # nothing to return to.
            rolled_back_to=running if operation == "updated" else "",
        )
        return diagnose(self.failed_tasks, facts)

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
        time.sleep(seconds)
        self._beat()

    def _beat(self) -> None:
        # Liveness is recorded by the worker's heartbeat thread (tasks.Heartbeat), not here: a
        # poll loop stuck in a slow call must not look like a dead worker.
        pass

    def _cancel_requested(self) -> bool:
        return Deployment.objects.filter(pk=self.deployment.pk, cancel_requested=True).exists()

    def _log_callback(self, level: str, text: str) -> None:
        self.log.write(level, text)

    def _save_counts(self, counts: dict[str, int]) -> None:
        Deployment.objects.filter(pk=self.deployment.pk).update(rollout=counts)

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
            Deployment.objects.filter(pk=self.deployment.pk, worker=self.worker).update(
                status=status,
                finished=timezone.now(),
                failure_code=code,
                failure_reason=self.masker.mask(reason),
                failure_hint=hint,
                outputs=self.deployment.outputs,
                phase="",
            )


def crash_loop_threshold(document: StepDocument) -> Callable[[int], int] | None:
    """The step's crash-loop guard as desired count -> stopped tasks allowed; None when off."""
    guard = document.deployment_options.crash_loop_guard
    if guard.enable is not True:
        return None
    fixed = guard.stopped_tasks
    if isinstance(fixed, int) and not isinstance(fixed, bool) and fixed >= 1:
        return lambda desired: fixed
    # The default: three failed starts for each task the service should run, at least three.
    return lambda desired: max(3, 3 * desired)
