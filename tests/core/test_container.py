"""The Dockerfile and compose.yaml, checked without a container engine: the commands they run
exist, the environment variables they set are ones Deployer reads, the files they copy exist."""

from __future__ import annotations

import importlib
import re
import shlex
from pathlib import Path
from typing import Any

import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("deployer", "steps", "targets")


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def deployer_services() -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in compose()["services"].items()
        if service.get("image", "").startswith("deployer")
    }


def read_variables() -> set[str]:
    """Every environment variable name the product's code mentions in quotes."""
    text = "\n".join(
        path.read_text(encoding="utf-8")
        for package in PRODUCT
        for path in (ROOT / package).rglob("*.py")
    )
    # dj_database_url.config() reads DATABASE_URL without naming it in our code.
    return set(re.findall(r'"((?:DEPLOYER|DATABASE|REDIS)_[A-Z_]+)"', text)) | {"DATABASE_URL"}


def command_line(service: dict[str, Any]) -> str:
    command = service["command"]
    return " ".join(command) if isinstance(command, list) else str(command)


def test_compose_runs_postgres_redis_the_web_server_migrations_and_two_workers() -> None:
    services = compose()["services"]
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    ours = deployer_services()
    workers = [name for name, s in ours.items() if "manage.py qcluster" in command_line(s)]
    assert len(workers) == 2
    assert "manage.py migrate" in command_line(ours["migrate"])
    assert command_line(ours["web"]).startswith("gunicorn deployer.wsgi")


def test_every_command_compose_names_exists() -> None:
    known = get_commands()
    for name, service in deployer_services().items():
        line = command_line(service)
        for command in re.findall(r"manage\.py (\w+)", line):
            assert command in known, f"{name}: manage.py {command} does not exist"
        if line.startswith("gunicorn "):
            module, _, attribute = shlex.split(line)[1].partition(":")
            assert hasattr(importlib.import_module(module), attribute or "application")


def test_every_variable_compose_sets_is_read_and_documented() -> None:
    read = read_variables()
    documented = (ROOT / ".env.example").read_text()
    for name, service in deployer_services().items():
        for variable in service["environment"]:
            assert variable in read, f"{name} sets {variable}, which Deployer never reads"
            assert f"\n{variable}=" in documented, f"{variable} is missing from .env.example"


def test_the_image_copies_what_exists_and_serves_what_compose_serves() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    for line in re.findall(r"^COPY (.+)$", dockerfile, re.MULTILINE):
        *sources, _destination = line.split()
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: no such file"
    default = re.search(r"^CMD (\[.*?\])$", dockerfile, re.MULTILINE | re.DOTALL)
    assert default is not None
    cmd = yaml.safe_load(default.group(1).replace("\\\n", ""))
    assert cmd == compose()["services"]["web"]["command"]
    python = re.search(r"^FROM python:(\d+\.\d+)", dockerfile, re.MULTILINE)
    assert python is not None and python.group(1) == "3.11"
