"""Start each deployment's log line counter after the lines it already has."""

from django.db import migrations
from django.db.models import Max, OuterRef, Subquery
from django.db.models.functions import Coalesce


def count_existing_lines(apps, schema_editor):
    Deployment = apps.get_model("deployer", "Deployment")
    TaskLogLine = apps.get_model("deployer", "TaskLogLine")
    last = (
        TaskLogLine.objects.filter(deployment=OuterRef("pk"))
        .values("deployment")
        .annotate(last=Max("number"))
        .values("last")
    )
    Deployment.objects.update(log_line_count=Coalesce(Subquery(last), 0))


class Migration(migrations.Migration):
    dependencies = [
        ("deployer", "0003_deployment_failure_hint_log_line_count"),
    ]

    operations = [
        migrations.RunPython(count_existing_lines, migrations.RunPython.noop),
    ]
