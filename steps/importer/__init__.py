"""Importing a running ECS service as a step."""
