"""Releases: snapshots of a project's steps, variables and image tags."""
