"""`import_step` and `export_step`: the step document on the command line."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from deployer.projects.models import Project
from steps.document.io import load_document
from steps.models import Step

pytestmark = pytest.mark.django_db

GOLDEN = Path(__file__).parent / "golden"
MULTI = (GOLDEN / "multi.step.yaml").read_text(encoding="utf-8")


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_creates_the_project_and_the_step(tmp_path: Path) -> None:
    path = tmp_path / "multi.yaml"
    path.write_text(MULTI, encoding="utf-8")
    out, _ = run("import_step", "--project", "shop", str(path))
    assert "Created step 'Deploy shop' in project shop" in out
    step = Step.objects.get(project__slug="shop")
    assert step.to_document() == load_document(MULTI)


def test_import_replaces_the_step_of_the_same_name(tmp_path: Path) -> None:
    path = tmp_path / "multi.yaml"
    path.write_text(MULTI, encoding="utf-8")
    run("import_step", "--project", "shop", str(path))
    path.write_text(MULTI.replace("desired_count: 2", "desired_count: 5"), encoding="utf-8")
    out, _ = run("import_step", "--project", "shop", str(path))
    assert "Replaced step 'Deploy shop'" in out
    step = Step.objects.get()
    assert step.revision == 2
    assert step.to_document().deployment.desired_count == 5


def test_export_then_import_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "multi.yaml"
    path.write_text(MULTI, encoding="utf-8")
    run("import_step", "--project", "shop", str(path))
    exported, _ = run("export_step", "--project", "shop", "--step", "Deploy shop")
    assert load_document(exported) == load_document(MULTI)
    again = tmp_path / "again.yaml"
    again.write_text(exported, encoding="utf-8")
    run("import_step", "--project", "copy", str(again))
    assert run("export_step", "--project", "copy", "--step", "Deploy shop")[0] == exported


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("version: 1\nname: [unclosed\n", "malformed YAML"),
        (MULTI.replace("  desired_count", "  desired_cuont"), "deployment.desired_cuont: unknown"),
        (MULTI.replace("desired_count: 2", "desired_count: -2"), "deployment.desired_count"),
    ],
    ids=["bad-yaml", "unknown-key", "invalid-value"],
)
def test_a_bad_document_is_reported_with_its_line_and_changes_nothing(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("import_step", "--project", "shop", str(path), stderr=err)
    assert expected in err.getvalue()
    assert f"{path}: line " in err.getvalue()
    assert not Project.objects.exists()
    assert not Step.objects.exists()


def test_import_refuses_a_slug_a_project_cannot_have(tmp_path: Path) -> None:
    path = tmp_path / "multi.yaml"
    path.write_text(MULTI, encoding="utf-8")
    with pytest.raises(CommandError, match="lowercase letters"):
        run("import_step", "--project", "Web Shop", str(path))
    assert not Project.objects.exists()


def test_export_of_an_unknown_step_fails() -> None:
    Project.objects.create(name="Shop", slug="shop")
    with pytest.raises(CommandError, match="no step named 'Nope'"):
        run("export_step", "--project", "shop", "--step", "Nope")


def test_import_of_a_missing_file_fails(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read"):
        run("import_step", "--project", "shop", str(tmp_path / "missing.yaml"))


@pytest.mark.slow
def test_exit_codes_on_the_command_line(tmp_path: Path) -> None:
    # A separate process cannot see the test database, so only the refusals are checked here:
    # both fail before touching the database.
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nname: [unclosed\n", encoding="utf-8")
    manage = str(Path(__file__).resolve().parents[2] / "manage.py")
    result = subprocess.run(
        [sys.executable, manage, "import_step", "--project", "shop", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "malformed YAML" in result.stderr


def test_import_refuses_a_timeout_wait_without_its_timeout(tmp_path: Path) -> None:
    path = tmp_path / "multi.yaml"
    text = MULTI + "deployment_options:\n  wait: wait_with_timeout\n"
    assert "deployment_options:" not in MULTI
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match="not imported"):
        run("import_step", "--project", "shop", str(path))
    assert not Step.objects.exists()


def test_import_refuses_a_step_name_longer_than_the_database_keeps(tmp_path: Path) -> None:
    path = tmp_path / "multi.yaml"
    path.write_text(MULTI.replace("name: Deploy shop", f"name: {'n' * 201}", 1), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="not imported"):
        call_command("import_step", "--project", "shop", str(path), stderr=err)
    assert "name: a step name may have at most 200 characters; this one has 201" in err.getvalue()
    assert not Step.objects.exists()
    assert not Project.objects.exists()


def test_import_refuses_a_project_slug_longer_than_the_database_keeps(tmp_path: Path) -> None:
    path = tmp_path / "multi.yaml"
    path.write_text(MULTI, encoding="utf-8")
    with pytest.raises(CommandError) as raised:
        run("import_step", "--project", "p" * 150, str(path))
    assert str(raised.value) == (
        f"--project {'p' * 150}: Ensure this value has at most 100 characters (it has 150)."
    )
    assert not Project.objects.exists()


def test_import_names_a_new_project_within_the_name_column(tmp_path: Path) -> None:
    slug = "s" * 100
    Project.objects.create(name=slug, slug="taken-name")
    Project.objects.create(name=f"{'s' * 89} (imported)", slug="taken-again")
    path = tmp_path / "multi.yaml"
    path.write_text(MULTI, encoding="utf-8")
    run("import_step", "--project", slug, str(path))
    project = Project.objects.get(slug=slug)
    assert project.name == f"{'s' * 87} (imported 2)"
    assert len(project.name) == 100
