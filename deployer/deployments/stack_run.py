"""One step's stack: its operation, the ECS rollout it starts, cancel and crash loops."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, suppress
from typing import TYPE_CHECKING, Any, NoReturn

from deployer.aws.cloudformation import KnownStack, StackWorkflow
from deployer.aws.diagnosis import Diagnosis, RolloutFacts, diagnose, short_task_definition
from deployer.aws.ecs import (
    CrashLoop,
    RolloutWatch,
    roll_back_service,
    scale_service,
    service_of_stack,
)
from deployer.aws.errors import AwsError
from deployer.aws.polling import Cancelled, Poller
from deployer.aws.service_deployments import ServiceDeploymentWatch
from deployer.aws.session import ClientFactory
from deployer.deployments.failures import (
    CRASH_LOOP,
    DEPLOY_FAILED,
    ROLLED_BACK,
    ROLLOUT_FAILED,
    DeploymentFailed,
)
from deployer.deployments.models import Deployment
from deployer.deployments.preparation import stack_parameters
from deployer.deployments.tasklog import TaskLog
from steps.document.model import StepDocument
from steps.template.builder import DeployContext
from targets.models import ClusterTarget

DEPLOYMENT_ID_TAG = "Octopus.Deployment.Id"


class StackRun:
    """The part of a deployment run that drives one step's stack and watches its service.

    Mixed into the engine's DeploymentRun, which holds the state declared here.
    """

    deployment: Deployment
    log: TaskLog
    started_at: dt.datetime
    poll_seconds: float
    seen_service_events: set[str]
    reported_tasks: set[str]
    failed_tasks: list[dict[str, Any]]
    failed_counts: dict[str, int]
    stopping_tasks: set[str]
    _live_watch: RolloutWatch | None
    crash_loop_threshold: Callable[[int], int] | None
    # What the page shows of the rollout: task counts, and the ECS service deployment.
    rollout_state: dict[str, Any]
    service_deployment_watch: ServiceDeploymentWatch | None
    # The service as the rollout's last look found it settled (tags included), for drift.
    settled_service: dict[str, Any] | None

    if TYPE_CHECKING:

        def phase(self, name: str) -> AbstractContextManager[None]: ...

        def _sleep(self, seconds: float) -> None: ...

    def _run_stack(
        self,
        document: StepDocument,
        target: ClusterTarget,
        factory: ClientFactory,
        stack_name: str,
        template_yaml: str,
        context: DeployContext,
        poller: Poller,
        before_write: Callable[[KnownStack | None], None],
    ) -> dict[str, str]:
        wait = document.deployment_options.wait != "dont_wait"
        self._live_watch = None
        self.settled_service = None
        self.service_deployment_watch = ServiceDeploymentWatch(
            factory.client("ecs", target.region),
            log=self._log_callback,
            # A resumed attempt follows what the first attempt started.
            since=(self.deployment.started or self.started_at) - dt.timedelta(seconds=1),
            on_change=lambda state: self._save_rollout(
                service_deployment={**state, "target": target.pk}
            ),
        )
        parameters = stack_parameters(document, stack_name)
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
            self._fail_if_rolled_back(stack_name)
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
            if self.service_deployment_watch and self.service_deployment_watch.arn:
                with suppress(AwsError):
                    self.service_deployment_watch.refresh()
            self.settled_service = watch.last_service
            self.log.info(rollout.message)
        for name, value in outputs.items():
            self.log.info(
                f"Output variable Octopus.Action[{document.name}].Output.{name} = {value}"
            )
        return outputs

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
            service_deployment=self.service_deployment_watch,
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
                    where = {"cluster": target.cluster_name, "service": service}
                    self._save_rollout(service={**where, "target": target.pk})
                watch = self._live_watch
                watch.watch_primary()
            except AwsError as exc:
                # Progress is a courtesy: the stack's own outcome decides the deployment.
                self.log.verbose(f"Could not read the service's progress: {exc.message}")
                return None
            state = watch.primary_state()
            if self._held_by_service_deployment():
                return "waiting"  # a pause or bake time: it may last hours, poll at leisure
            if state == "IN_PROGRESS":
                return "nearly" if watch.ending_soon() else "waiting"
            # Completed or failed: CloudFormation notices within moments.
            return "ending" if state in ("COMPLETED", "FAILED") else "busy"

        return on_poll

    def _held_by_service_deployment(self) -> bool:
        sd = self.service_deployment_watch
        if sd is None or not sd.shifting or sd.last.get("status") != "IN_PROGRESS":
            return False
        return sd.awaiting() is not None or sd.last.get("lifecycleStage") == "BAKE_TIME"

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

    def _log_callback(self, level: str, text: str) -> None:
        self.log.write(level, text)

    def _save_counts(self, counts: dict[str, int]) -> None:
        self._save_rollout(**counts)

    def _save_rollout(self, **values: Any) -> None:
        self.rollout_state.update(values)
        Deployment.objects.filter(pk=self.deployment.pk).update(rollout=self.rollout_state)

    def _fail_if_rolled_back(self, stack_name: str) -> None:
        """A stack that failed because its ECS service deployment rolled back (alarm, hook,
        circuit breaker, timeout action, someone pressing Roll back) fails saying which."""
        watch = self.service_deployment_watch
        if watch is None or not watch.arn:
            return
        with suppress(AwsError):
            watch.refresh()
        if watch.last.get("status") in (
            "ROLLBACK_IN_PROGRESS",
            "ROLLBACK_SUCCESSFUL",
            "ROLLBACK_FAILED",
        ):
            reason = f"The ECS service deployment rolled back: {watch.reason}"
            self.log.error(f"{ROLLED_BACK}: {reason} (stack {stack_name} rolls back with it)")
            raise DeploymentFailed(ROLLED_BACK, reason)


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
