"""The step document: its dataclasses, and YAML in and out."""
