"""Deployments: the task log, the runner, the queue entry points, start and cancel."""
