"""Change plans before deployments, and drift between what was deployed and what runs.

`deployer.plans.planner.compute_plan(release, environment) -> Plan` (`Plan.to_dict()` is JSON).
"""
