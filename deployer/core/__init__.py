"""Shared pieces with no domain: encryption, request helpers, security middleware, the dashboard."""
