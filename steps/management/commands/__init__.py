"""The ECS step's manage.py commands."""
