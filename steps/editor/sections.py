"""The step editor's machinery: sections of forms that build and check one step document."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from steps.document import model as doc
from steps.document.io import document_from_data, document_to_data
from steps.document.model import DocumentError, StepDocument
from steps.editor import container_forms as cf
from steps.editor import deployment_forms as df
from steps.editor import fields
from steps.editor import forms as f
from steps.validation.step import validate

# --- The editor: sections of forms that build one document ---------------------------------------


@dataclass
class RowList:
    """The rows of one document list inside a section, with add and remove buttons."""

    key: str
    title: str
    formset: fields.RowFormSet
    add_label: str


@dataclass
class Section:
    """A card of the editor, with an anchor in the side navigation."""

    id: str
    title: str
    owns: tuple[str, ...]  # document paths whose issues without a field of their own show here
    forms: list[fields.DocumentForm] = field(default_factory=list)
    lists: list[RowList] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def all_forms(self) -> Iterator[fields.DocumentForm]:
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
    "hooks": lambda: blank(doc.LifecycleHook, stages=[], target="pause"),
    "capacity": lambda: blank(doc.CapacityProvider, provider="FARGATE"),
    "connect": lambda: blank(doc.ServiceConnectService, port_name=""),
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
    "hooks": "Add lifecycle hook",
    "capacity": "Add capacity provider",
    "connect": "Add Service Connect service",
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
        self,
        data: dict[str, Any],
        post: Any = None,
        *,
        feeds: fields.Choices = (),
        new: bool = False,
    ) -> None:
        self.new = new
        self.stored = data
        self.post = post
        self.feeds = list(feeds)
        self.sections: list[Section] = []
        self.page_errors: list[str] = []
        self.build()

    # Subclasses lay out their sections with these two.
    def form(self, cls: type[fields.DocumentForm], prefix: str, base: str = "", **kw: Any) -> Any:
        values = None if self.post is not None else self.values_at(base)
        return cls(self.post, prefix=prefix, base_path=base, values=values, **kw)

    def rows(
        self, key: str, title: str, cls: type[fields.DocumentForm], path: str, **kw: Any
    ) -> Any:
        items = None if self.post is not None else (self.values_at(path) or [])
        formset = fields.row_formset(cls)(
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
    ) -> tuple[dict[str, tuple[fields.DocumentForm, str | None]], dict[str, Section]]:
        targets: dict[str, tuple[fields.DocumentForm, str | None]] = {}
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
                    targets[fields.join_path(form.base_path, alias)] = (form, name)
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
        tags.lists = [self.rows("tags", "Tags", cf.KeyValueForm, "tags.tags")]
        containers = Section("containers", "Container Definitions", ("containers",))
        if self.new:
            first = self.form(f.FirstContainerForm, "first", "containers[0]", feeds=self.feeds)
            first.aliases = {"port_mappings[0].container_port": "port", "port_mappings": "port"}
            containers.forms = [first]
        deployment = Section("deployment", "Deployment", ("deployment",))
        deployment.forms = [
            self.form(f.DeploymentForm, "deployment"),
            self.form(df.StrategyForm, "strategy"),
            self.form(df.ServiceSettingsForm, "service"),
        ]
        deployment.lists = [
            self.rows("hooks", "Lifecycle hooks", df.LifecycleHookForm, df.HOOKS),
            self.rows(
                "capacity", "Capacity provider strategy", df.CapacityProviderForm, df.CAPACITY
            ),
            self.rows(
                "connect",
                "Service Connect services",
                df.ServiceConnectServiceForm,
                df.CONNECT,
                port_names=df.port_names(self.stored),
            ),
        ]
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
        for rows in section_of["deployment"].lists:
            fields.put(data, rows.formset.list_path.split("."), rows.formset.data_for_document())
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
        definition.forms = [
            self.form(cf.ContainerDefinitionForm, "definition", c, feeds=self.feeds)
        ]
        definition.lists = [
            self.rows("ports", "Port mappings", cf.PortMappingForm, f"{c}.port_mappings")
        ]
        health = Section("health-check", "Health Check", (f"{c}.health_check",))
        health.forms = [self.form(cf.HealthCheckForm, "health", f"{c}.health_check")]
        environment = Section("environment", "Environment", (f"{c}.environment",))
        environment.forms = [self.form(cf.EnvironmentForm, "environment", c)]
        environment.lists = [
            self.rows(
                "variables", "Environment variables", cf.NameValueForm, f"{c}.environment.variables"
            )
        ]
        storage = Section(
            "storage-logging", "Container Storage and Logging", (f"{c}.storage", f"{c}.logging")
        )
        logging_form = self.form(cf.LoggingForm, "logging", c)
        storage.forms = [self.form(cf.StorageForm, "storage", c), logging_form]
        storage.lists = [
            self.rows(
                "mounts",
                "Mount points",
                cf.MountPointForm,
                f"{c}.storage.mount_points",
                volume_names=volume_names,
            ),
            self.rows(
                "volumes_from",
                "Volumes from",
                cf.VolumeFromForm,
                f"{c}.storage.volumes_from",
                container_names=others,
            ),
        ]
        if logging_form.raw("logging__type") == "manual":
            storage.lists.append(
                self.rows("log_options", "Log options", cf.LogOptionForm, f"{c}.logging.options")
            )
        further = Section(
            "further-options",
            "Further options",
            tuple(
                f"{c}.{key}"
                for key in ("user", "docker_labels", "depends_on", "ulimits", "firelens")
            ),
        )
        further.forms = [self.form(cf.FurtherOptionsForm, "further", c)]
        further.lists = [
            self.rows("labels", "Docker labels", cf.KeyValueForm, f"{c}.docker_labels"),
            self.rows(
                "depends_on",
                "Dependencies",
                cf.DependencyForm,
                f"{c}.depends_on",
                container_names=others,
            ),
            self.rows("ulimits", "Ulimits", cf.UlimitForm, f"{c}.ulimits"),
        ]
        self.sections = [definition, health, environment, storage, further]

    def container_data(self) -> dict[str, Any]:
        container: dict[str, Any] = {}
        for section in self.sections:
            for form in section.forms:
                part = form.data_for_document()
                if isinstance(form, cf.HealthCheckForm):
                    container["health_check"] = part or None
                else:
                    merge(container, part)
            for rows in section.lists:
                relative = rows.formset.list_path.split("].", 1)[1].split(".")
                fields.put(container, relative, rows.formset.data_for_document())
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
