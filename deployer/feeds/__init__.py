"""Feeds: where container images come from, and the registry clients."""
