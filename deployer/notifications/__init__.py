"""Webhooks: telling other systems (chat, CI) when a project's deployments change status."""
