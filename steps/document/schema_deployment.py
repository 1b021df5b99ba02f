"""The schema of the step's deployment section and load balancer mappings (see ``schema``)."""

from __future__ import annotations

from pydantic import Field

from steps.document import model as doc
from steps.document.schema_base import (
    Boolean,
    ListOf,
    Number,
    Section,
    Text,
    TextList,
    _section,
)


class CircuitBreaker(Section):
    dataclass_type = doc.CircuitBreaker
    enable: Boolean = True
    rollback: Boolean = True


class LinearShift(Section):
    dataclass_type = doc.LinearShift
    step_percent: Number | None = None
    step_bake_minutes: Number | None = None


class CanaryShift(Section):
    dataclass_type = doc.CanaryShift
    percent: Number | None = None
    bake_minutes: Number | None = None


class LifecycleHook(Section):
    dataclass_type = doc.LifecycleHook
    stages: TextList
    target: Text
    role_arn: Text = ""
    timeout_minutes: Number | None = None
    timeout_action: Text = "ROLLBACK"


class DeploymentAlarms(Section):
    dataclass_type = doc.DeploymentAlarms
    names: TextList = Field(default_factory=list)
    enable: Boolean = True
    rollback: Boolean = True


class CapacityProvider(Section):
    dataclass_type = doc.CapacityProvider
    provider: Text
    weight: Number = 1
    base: Number = 0


class ServiceConnectService(Section):
    dataclass_type = doc.ServiceConnectService
    port_name: Text
    dns_name: Text = ""
    port: Number | None = None


class ServiceConnect(Section):
    dataclass_type = doc.ServiceConnect
    namespace: Text = ""
    services: ListOf[ServiceConnectService] = Field(default_factory=list)


class AutoScaling(Section):
    dataclass_type = doc.AutoScaling
    min: Number
    max: Number
    target_cpu_percent: Number | None = None
    target_memory_percent: Number | None = None


class Deployment(Section):
    dataclass_type = doc.Deployment
    desired_count: Number = 1
    minimum_healthy_percent: Number = 100
    maximum_percent: Number = 200
    circuit_breaker: CircuitBreaker = Field(default_factory=_section(CircuitBreaker))
    health_check_grace_period: Number | None = None
    strategy: Text = "rolling"
    bake_time_minutes: Number | None = None
    linear: LinearShift = Field(default_factory=_section(LinearShift))
    canary: CanaryShift = Field(default_factory=_section(CanaryShift))
    lifecycle_hooks: ListOf[LifecycleHook] = Field(default_factory=list)
    alarms: DeploymentAlarms = Field(default_factory=_section(DeploymentAlarms))
    capacity_providers: ListOf[CapacityProvider] = Field(default_factory=list)
    enable_execute_command: Boolean = False
    service_connect: ServiceConnect = Field(default_factory=_section(ServiceConnect))
    auto_scaling: AutoScaling | None = None


class AdvancedLoadBalancing(Section):
    dataclass_type = doc.AdvancedLoadBalancing
    alternate_target_group_arn: Text = ""
    production_listener_rule_arn: Text = ""
    test_listener_rule_arn: Text = ""
    role_arn: Text = ""


class LoadBalancerMapping(Section):
    dataclass_type = doc.LoadBalancerMapping
    container_name: Text
    container_port: Number
    target_group_arn: Text
    advanced: AdvancedLoadBalancing | None = None
