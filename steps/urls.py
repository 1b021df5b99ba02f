"""URLs of a project's steps, under /projects/<slug>/steps/."""

from __future__ import annotations

from django.urls import path

from steps.editor import picker_views, preview_views, views
from steps.importer import views as importer_views

app_name = "steps"

urlpatterns = [
    path("new/", views.create_step, name="create-step"),
    path("import/", views.import_yaml, name="import-step"),
    path("aws-ids/", picker_views.pick_aws_id, name="pick-aws-id"),
    path("from-service/", importer_views.import_service, name="import-service"),
    path("from-service/services/", importer_views.service_list, name="service-list"),
    path("from-service/preview/", importer_views.service_preview, name="service-preview"),
    path("<int:pk>/", views.edit_step, name="edit-step"),
    path("<int:pk>/delete/", views.delete_step, name="delete-step"),
    path("<int:pk>/yaml/", views.download_yaml, name="download-yaml"),
    path("<int:pk>/cloudformation/", preview_views.export_template, name="export-template"),
    path("<int:pk>/preview/", preview_views.preview_step, name="preview-step"),
    path("<int:pk>/import/", views.import_yaml, name="import-yaml"),
    path("<int:pk>/containers/new/", views.edit_container, name="add-container"),
    path("<int:pk>/containers/<int:index>/", views.edit_container, name="edit-container"),
    path(
        "<int:pk>/containers/<int:index>/remove/",
        views.remove_container,
        name="remove-container",
    ),
]
