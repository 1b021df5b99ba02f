"""The step editor: the step page, the container editor, and YAML import and export."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from deployer.http import HtmxHttpRequest
from deployer.models import Feed, Project
from steps import document as doc
from steps import forms as f
from steps.actions import (
    DuplicateStepName,
    StaleEditError,
    document_changes,
    export_step,
    import_step,
    save_step,
)
from steps.document import DocumentError, StepDocument, document_from_data, document_to_data
from steps.models import Step
from steps.validation import validate

# --- The editor: sections of forms that build one document ---------------------------------------


@dataclass
class RowList:
    """The rows of one document list inside a section, with add and remove buttons."""

    key: str
    title: str
    formset: f.RowFormSet
    add_label: str


@dataclass
class Section:
    """A card of the editor, with an anchor in the side navigation."""

    id: str
    title: str
    owns: tuple[str, ...]  # document paths whose issues without a field of their own show here
    forms: list[f.DocumentForm] = field(default_factory=list)
    lists: list[RowList] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def all_forms(self) -> Iterator[f.DocumentForm]:
        yield from self.forms
        for rows in self.lists:
            yield from rows.formset.forms

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(form.errors for form in self.all_forms())


def parent_path(path: str) -> str:
    cut = max(path.rfind("."), path.rfind("["))
    return path[:cut] if cut > 0 else ""


def path_parts(path: str) -> list[str | int]:
    """``containers[0].port_mappings`` -> ``["containers", 0, "port_mappings"]``."""
    parts: list[str | int] = []
    for piece in path.replace("]", "").replace("[", ".").split(".") if path else []:
        parts.append(int(piece) if piece.isdigit() else piece)
    return parts


def drop(data: dict[str, Any], path: str) -> None:
    """Remove the value at ``path`` so its default applies (list items stay)."""
    *parents, last = path_parts(path) or [""]
    holder: Any = data
    for part in parents:
        if isinstance(part, int):
            holder = holder[part] if isinstance(holder, list) and part < len(holder) else None
        else:
            holder = holder.get(part) if isinstance(holder, dict) else None
    if isinstance(holder, dict):
        holder.pop(str(last), None)


def _below(path: str, roots: set[str]) -> bool:
    return any(path == root or path.startswith((f"{root}.", f"{root}[")) for root in roots)


def merge(into: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    for key, value in data.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            merge(into[key], value)
        else:
            into[key] = value
    return into


def blank(cls: type, **required: Any) -> dict[str, Any]:
    """The plain data of a new list item: the contract's defaults, required fields empty."""
    return dataclasses.asdict(cls(**required))


NEW_ROWS: dict[str, Callable[[], dict[str, Any]]] = {
    "tags": lambda: blank(doc.Tag, key=""),
    "lb": lambda: blank(
        doc.LoadBalancerMapping, container_name="", container_port="", target_group_arn=""
    ),
    "volumes": lambda: blank(doc.Volume, name=""),
    "ports": lambda: blank(doc.PortMapping, container_port=""),
    "variables": lambda: blank(doc.Variable, name=""),
    "mounts": lambda: blank(doc.MountPoint, source_volume="", container_path=""),
    "volumes_from": lambda: blank(doc.VolumeFrom, source_container=""),
    "log_options": lambda: blank(doc.LoggingOption, name=""),
    "labels": lambda: blank(doc.DockerLabel, key=""),
    "depends_on": lambda: blank(doc.ContainerDependency, container_name=""),
    "ulimits": lambda: blank(doc.Ulimit, name="nofile", soft_limit="", hard_limit=""),
}


ADD_LABELS = {
    "tags": "Add tag",
    "lb": "Add load balancer mapping",
    "volumes": "Add volume",
    "ports": "Add port mapping",
    "variables": "Add environment variable",
    "mounts": "Add mount point",
    "volumes_from": "Add volumes from a container",
    "log_options": "Add log option",
    "labels": "Add Docker label",
    "depends_on": "Add dependency",
    "ulimits": "Add ulimit",
}


def new_step_data() -> dict[str, Any]:
    data = document_to_data(
        StepDocument(name="", configuration=doc.Configuration(task_definition_name=""))
    )
    data["containers"] = [new_container_data()]
    return data


def new_container_data() -> dict[str, Any]:
    return blank(doc.Container, name="", image=doc.Image(feed="docker-hub", package=""))


class Editor:
    """Forms over one document. Bound to a POST, or showing ``data`` (document data)."""

    def __init__(
        self, data: dict[str, Any], post: Any = None, *, feeds: f.Choices = (), new: bool = False
    ) -> None:
        self.new = new
        self.stored = data
        self.post = post
        self.feeds = list(feeds)
        self.sections: list[Section] = []
        self.page_errors: list[str] = []
        self.build()

    # Subclasses lay out their sections with these two.
    def form(self, cls: type[f.DocumentForm], prefix: str, base: str = "", **kw: Any) -> Any:
        values = None if self.post is not None else self.values_at(base)
        return cls(self.post, prefix=prefix, base_path=base, values=values, **kw)

    def rows(self, key: str, title: str, cls: type[f.DocumentForm], path: str, **kw: Any) -> Any:
        items = None if self.post is not None else (self.values_at(path) or [])
        formset = f.row_formset(cls)(
            self.post, prefix=key, list_path=path, rows=items, form_kwargs=kw
        )
        return RowList(key, title, formset, ADD_LABELS[key])

    def values_at(self, path: str) -> Any:
        value: Any = self.stored
        for part in path_parts(path):
            if isinstance(part, int):
                value = value[part] if isinstance(value, list) and part < len(value) else None
            else:
                value = value.get(part) if isinstance(value, dict) else None
        return value

    def build(self) -> None:
        raise NotImplementedError

    def document_data(self) -> dict[str, Any]:
        raise NotImplementedError

    def forms_by_path(
        self,
    ) -> tuple[dict[str, tuple[f.DocumentForm, str | None]], dict[str, Section]]:
        targets: dict[str, tuple[f.DocumentForm, str | None]] = {}
        sections: dict[str, Section] = {}
        for section in self.sections:
            for path in section.owns:
                sections[path] = section
            for rows in section.lists:
                sections[rows.formset.list_path] = section
            for form in section.all_forms():
                targets[form.base_path] = (form, None)
                for name in form.fields:
                    targets[form.path_of(name)] = (form, name)
                for alias, name in getattr(form, "aliases", {}).items():
                    targets[f.join_path(form.base_path, alias)] = (form, name)
        targets.pop("", None)
        return targets, sections

    def place(self, path: str, message: str) -> None:
        """Show a problem next to the field it names, else at the top of its section."""
        targets, sections = self.forms_by_path()
        current = path
        while current:
            if current in targets:
                form, name = targets[current]
                form.add_problem(name, message)
                return
            if current in sections:
                sections[current].errors.append(
                    message if current == path else f"{path}: {message}"
                )
                return
            current = parent_path(current)
        self.page_errors.append(f"{path}: {message}" if path else message)

    def check(self) -> StepDocument | None:
        """The document the forms describe when it is valid; otherwise problems are placed.

        Values of the wrong type (a word in a number field) are reported, then left out so the
        validator can still report everything else in the same answer."""
        data = self.document_data()
        reported: set[str] = set()
        while True:
            try:
                document = document_from_data(data)
                break
            except DocumentError as error:
                fresh = [problem for problem in error.problems if problem.path not in reported]
                for problem in fresh:
                    self.place(problem.path, problem.message)
                    reported.add(problem.path)
                    drop(data, problem.path)
                if not fresh:
                    return None
        issues = [issue for issue in validate(document) if not _below(issue.path, reported)]
        for issue in issues:
            self.place(issue.path, issue.message)
        return None if issues or reported else document

    def rearrange(self, action: str, value: str) -> Section | None:
        """Add a row, remove one, or just redraw with what was typed; the affected section."""
        data = self.document_data()
        target: Section | None = None
        for section in self.sections:
            for rows in section.lists:
                if action == "_add" and value == rows.key:
                    self.list_in(data, rows.formset.list_path).append(NEW_ROWS[rows.key]())
                    target = section
                elif action == "_remove" and value.rpartition("-")[0] == rows.key:
                    items = self.list_in(data, rows.formset.list_path)
                    index = value.rpartition("-")[2]
                    if index.isdigit() and int(index) < len(items):
                        del items[int(index)]
                    target = section
            if action == "_refresh" and value == section.id:
                target = section
        self.stored, self.post = data, None
        self.sections, self.page_errors = [], []
        self.build()
        return next((s for s in self.sections if target and s.id == target.id), None)

    def list_in(self, data: dict[str, Any], path: str) -> list[Any]:
        *parents, key = path_parts(path)
        holder: Any = data
        for part in parents:
            holder = holder[part] if isinstance(part, int) else holder.setdefault(part, {})
        items = holder.get(key)
        if not isinstance(items, list):
            items = holder[key] = []
        return items

    def find_field(self, html_name: str) -> tuple[Section, Any] | None:
        for section in self.sections:
            for form in section.all_forms():
                for bound in form:
                    if bound.html_name == html_name:
                        return section, bound
        return None


class StepEditor(Editor):
    """The step page: every section but the containers' details."""

    def build(self) -> None:
        names = [str(c.get("name") or "") for c in self.stored.get("containers", [])]
        names = [name for name in names if name]
        configuration = Section(
            "configuration", "Configuration", ("name", "target_roles", "configuration")
        )
        configuration.forms = [self.form(f.ConfigurationForm, "configuration")]
        execution = Section(
            "task-execution-role", "Task Execution IAM Role", ("task_execution_role",)
        )
        execution.forms = [self.form(f.TaskExecutionRoleForm, "execution")]
        size = Section("task-size", "Task Size", ("task_size",))
        size.forms = [self.form(f.TaskSizeForm, "size")]
        network = Section("network", "Network Configuration", ("network",))
        network.forms = [self.form(f.NetworkForm, "network")]
        tags = Section("tags", "Tags", ("tags",))
        tags.forms = [self.form(f.TagOptionsForm, "tagging")]
        tags.lists = [self.rows("tags", "Tags", f.KeyValueForm, "tags.tags")]
        containers = Section("containers", "Container Definitions", ("containers",))
        if self.new:
            first = self.form(f.FirstContainerForm, "first", "containers[0]", feeds=self.feeds)
            first.aliases = {"port_mappings[0].container_port": "port", "port_mappings": "port"}
            containers.forms = [first]
        deployment = Section("deployment", "Deployment", ("deployment",))
        deployment.forms = [self.form(f.DeploymentForm, "deployment")]
        options = Section("deployment-options", "Deployment Options", ("deployment_options",))
        options.forms = [self.form(f.DeploymentOptionsForm, "options")]
        balancing = Section(
            "load-balancer-mappings", "Load Balancer Mappings", ("load_balancer_mappings",)
        )
        balancing.lists = [
            self.rows(
                "lb",
                "Load balancer mappings",
                f.LoadBalancerMappingForm,
                "load_balancer_mappings",
                container_names=names,
            )
        ]
        volumes = Section("volumes", "Volumes", ("volumes",))
        volumes.lists = [self.rows("volumes", "Volumes", f.VolumeForm, "volumes")]
        self.sections = [
            configuration,
            execution,
            size,
            network,
            tags,
            containers,
            deployment,
            options,
            balancing,
            volumes,
        ]

    def document_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"version": doc.CURRENT_VERSION}
        for section in self.sections:
            for form in section.forms:
                if not isinstance(form, f.FirstContainerForm):
                    merge(data, form.data_for_document())
        section_of = {s.id: s for s in self.sections}
        merge(data, {"tags": {"tags": section_of["tags"].lists[0].formset.data_for_document()}})
        data["load_balancer_mappings"] = (
            section_of["load-balancer-mappings"].lists[0].formset.data_for_document()
        )
        data["volumes"] = section_of["volumes"].lists[0].formset.data_for_document()
        if self.new:
            first = section_of["containers"].forms[0]
            data["containers"] = [first.data_for_document()]
        else:
            data["containers"] = copy.deepcopy(self.stored.get("containers", []))
        return data


class ContainerEditor(Editor):
    """One container's groups; the rest of the document is kept as stored."""

    def __init__(self, data: dict[str, Any], index: int, post: Any = None, **kw: Any) -> None:
        self.index = index
        super().__init__(data, post, **kw)

    def build(self) -> None:
        c = f"containers[{self.index}]"
        others = [
            str(container.get("name", ""))
            for i, container in enumerate(self.stored.get("containers", []))
            if i != self.index
        ]
        volume_names = [str(v.get("name", "")) for v in self.stored.get("volumes", [])]
        definition = Section(
            "definition",
            "Container definition",
            (
                c,
                *(f"{c}.{key}" for key in ("name", "image", "repository_credentials", "essential")),
            ),
        )
        definition.forms = [self.form(f.ContainerDefinitionForm, "definition", c, feeds=self.feeds)]
        definition.lists = [
            self.rows("ports", "Port mappings", f.PortMappingForm, f"{c}.port_mappings")
        ]
        health = Section("health-check", "Health Check", (f"{c}.health_check",))
        health.forms = [self.form(f.HealthCheckForm, "health", f"{c}.health_check")]
        environment = Section("environment", "Environment", (f"{c}.environment",))
        environment.forms = [self.form(f.EnvironmentForm, "environment", c)]
        environment.lists = [
            self.rows(
                "variables", "Environment variables", f.NameValueForm, f"{c}.environment.variables"
            )
        ]
        storage = Section(
            "storage-logging", "Container Storage and Logging", (f"{c}.storage", f"{c}.logging")
        )
        logging_form = self.form(f.LoggingForm, "logging", c)
        storage.forms = [self.form(f.StorageForm, "storage", c), logging_form]
        storage.lists = [
            self.rows(
                "mounts",
                "Mount points",
                f.MountPointForm,
                f"{c}.storage.mount_points",
                volume_names=volume_names,
            ),
            self.rows(
                "volumes_from",
                "Volumes from",
                f.VolumeFromForm,
                f"{c}.storage.volumes_from",
                container_names=others,
            ),
        ]
        if logging_form.raw("logging__type") == "manual":
            storage.lists.append(
                self.rows("log_options", "Log options", f.NameValueForm, f"{c}.logging.options")
            )
        further = Section(
            "further-options",
            "Further options",
            tuple(
                f"{c}.{key}"
                for key in ("user", "docker_labels", "depends_on", "ulimits", "firelens")
            ),
        )
        further.forms = [self.form(f.FurtherOptionsForm, "further", c)]
        further.lists = [
            self.rows("labels", "Docker labels", f.KeyValueForm, f"{c}.docker_labels"),
            self.rows(
                "depends_on",
                "Dependencies",
                f.DependencyForm,
                f"{c}.depends_on",
                container_names=others,
            ),
            self.rows("ulimits", "Ulimits", f.UlimitForm, f"{c}.ulimits"),
        ]
        self.sections = [definition, health, environment, storage, further]

    def container_data(self) -> dict[str, Any]:
        container: dict[str, Any] = {}
        for section in self.sections:
            for form in section.forms:
                part = form.data_for_document()
                if isinstance(form, f.HealthCheckForm):
                    container["health_check"] = part or None
                else:
                    merge(container, part)
            for rows in section.lists:
                relative = rows.formset.list_path.split("].", 1)[1].split(".")
                f.put(container, relative, rows.formset.data_for_document())
        container.setdefault("logging", {}).setdefault("options", [])
        return container

    def document_data(self) -> dict[str, Any]:
        data = copy.deepcopy(self.stored)
        containers = data.setdefault("containers", [])
        if self.index < len(containers):
            containers[self.index] = self.container_data()
        else:
            containers.append(self.container_data())
        return data


# --- Views ---------------------------------------------------------------------------------------

EDITOR_ACTIONS = ("_add", "_remove", "_refresh")


def _project(slug: str) -> Project:
    return get_object_or_404(Project, slug=slug)


def _step(project: Project, pk: int) -> Step:
    step = get_object_or_404(Step.objects.select_related("updated_by"), pk=pk, project=project)
    step.project = project  # already loaded; links to the step need its slug
    return step


def feed_choices() -> list[tuple[str, str]]:
    return [(slug, f"{name} ({slug})") for slug, name in Feed.objects.values_list("slug", "name")]


def _run_editor(
    request: HtmxHttpRequest,
    editor: Editor,
    template: str,
    context: dict[str, Any],
    save: Callable[[StepDocument], HttpResponse | None],
) -> HttpResponse:
    """Answer the editor's requests: inline validation of one field, adding and removing rows,
    redrawing a section, and saving the whole document."""
    context["editor"] = editor
    if request.method == "POST":
        if "_validate" in request.POST:
            editor.check()
            found = editor.find_field(request.POST["_validate"])
            if found is None:
                return HttpResponse(status=204)
            field_section, bound = found
            return render(
                request,
                "steps/_field.html",
                {
                    **context,
                    "field": bound,
                    "form": bound.form,
                    "section": field_section,
                    "oob": True,  # the side navigation's mark follows the field's errors
                },
            )
        for action in EDITOR_ACTIONS:
            if action in request.POST:
                section = editor.rearrange(action, request.POST[action])
                if request.htmx and section is not None:
                    return render(
                        request, "steps/_section.html", {**context, "section": section, "oob": True}
                    )
                return render(request, template, context)
        document = editor.check()
        if document is not None:
            response = save(document)
            if response is not None:
                return response
    return render(request, template, context)


def _saver(
    request: HtmxHttpRequest, step: Step, editor: Editor, context: dict[str, Any], done: str
) -> Callable[[StepDocument], HttpResponse | None]:
    def save(document: StepDocument) -> HttpResponse | None:
        revision = request.POST.get("_revision", "")
        expected = int(revision) if revision.isdigit() else None
        try:
            saved = save_step(step, document, expected, request.user)
        except StaleEditError as error:
            messages.error(
                request,
                f"{error} Their changes are listed below; save again to replace them with yours.",
            )
            context["changes"] = document_changes(editor.document_data(), error.other.document)
            context["revision"] = error.other.revision
            return None
        except DuplicateStepName as error:
            editor.place("name", str(error))
            return None
        messages.success(request, f"Step {saved.name} saved.")
        return redirect(done or saved.get_absolute_url())

    return save


def _step_context(project: Project, step: Step | None, url: str) -> dict[str, Any]:
    return {
        "project": project,
        "step": step,
        "form_url": url,
        "revision": step.revision if step else "",
        "containers": list(enumerate(step.containers)) if step else [],
    }


def create_step(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    project = _project(slug)
    post = request.POST if request.method == "POST" else None
    editor = StepEditor(new_step_data(), post, feeds=feed_choices(), new=True)
    url = reverse("projects:steps:create-step", args=[project.slug])
    context = _step_context(project, None, url)
    step = Step(project=project)
    return _run_editor(
        request,
        editor,
        "steps/step_editor.html",
        context,
        _saver(request, step, editor, context, ""),
    )


def edit_step(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    project = _project(slug)
    step = _step(project, pk)
    post = request.POST if request.method == "POST" else None
    editor = StepEditor(step.document, post, feeds=feed_choices())
    context = _step_context(project, step, step.get_absolute_url())
    return _run_editor(
        request,
        editor,
        "steps/step_editor.html",
        context,
        _saver(request, step, editor, context, ""),
    )


def edit_container(
    request: HtmxHttpRequest, slug: str, pk: int, index: int | None = None
) -> HttpResponse:
    """The container editor; without ``index`` it adds a container to the step."""
    project = _project(slug)
    step = _step(project, pk)
    containers = step.containers
    if index is not None and index >= len(containers):
        raise Http404("The step has no such container.")
    data = copy.deepcopy(step.document)
    if index is None:
        index = len(containers)
        data.setdefault("containers", []).append(new_container_data())
        url = reverse("projects:steps:add-container", args=[project.slug, step.pk])
    else:
        url = reverse("projects:steps:edit-container", args=[project.slug, step.pk, index])
    post = request.POST if request.method == "POST" else None
    editor = ContainerEditor(data, index, post, feeds=feed_choices())
    context = {
        **_step_context(project, step, url),
        "index": index,
        "container_name": (containers[index].get("name") if index < len(containers) else ""),
    }
    return _run_editor(
        request,
        editor,
        "steps/container_editor.html",
        context,
        _saver(request, step, editor, context, step.get_absolute_url() + "#containers"),
    )


@require_POST
def remove_container(request: HtmxHttpRequest, slug: str, pk: int, index: int) -> HttpResponse:
    project = _project(slug)
    step = _step(project, pk)
    data = copy.deepcopy(step.document)
    containers = data.get("containers", [])
    if index >= len(containers):
        raise Http404("The step has no such container.")
    removed = containers.pop(index)
    try:
        document = document_from_data(data)
    except DocumentError as error:
        messages.error(request, f"Cannot remove the container: {error}")
        return redirect(step)
    issues = validate(document)
    if issues:
        messages.error(
            request,
            f"Container {removed.get('name')} was not removed; without it: "
            + "; ".join(str(issue) for issue in issues),
        )
        return redirect(step)
    revision = request.POST.get("_revision", "")
    try:
        save_step(
            step, document, int(revision) if revision.isdigit() else step.revision, request.user
        )
    except StaleEditError as error:
        messages.error(request, str(error))
        return redirect(step)
    messages.success(request, f"Container {removed.get('name')} removed.")
    return redirect(step)


@require_POST
def delete_step(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    project = _project(slug)
    step = _step(project, pk)
    step.delete()
    messages.success(request, f"Step {step.name} deleted.")
    return redirect(project)


@require_GET
def download_yaml(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    step = _step(_project(slug), pk)
    response = HttpResponse(export_step(step), content_type="application/yaml; charset=utf-8")
    filename = f"{step.project.slug}-{step.pk}.step.yaml"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def import_yaml(request: HtmxHttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    """Import a step document: as a new (or same-named) step of the project, or into ``pk``."""
    project = _project(slug)
    step = _step(project, pk) if pk is not None else None
    form = f.YamlImportForm(request.POST or None, request.FILES or None)
    problems: list[doc.DocumentProblem] = []
    if request.method == "POST" and form.is_valid():
        try:
            result = import_step(
                project, form.cleaned_data["yaml"], replace=step, user=request.user
            )
        except DocumentError as error:
            problems = error.problems
        except DuplicateStepName as error:
            form.add_error(None, str(error))
        else:
            verb = "created" if result.created else "replaced"
            messages.success(request, f"Step {result.step.name} {verb} from YAML.")
            return redirect(result.step)
    return render(
        request,
        "steps/import.html",
        {"project": project, "step": step, "form": form, "problems": problems},
    )
