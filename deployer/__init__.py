"""Deployer: configure, export and deploy Amazon ECS Fargate services."""

__version__ = "0.1.0"
