"""Management commands of the ECS step app."""
