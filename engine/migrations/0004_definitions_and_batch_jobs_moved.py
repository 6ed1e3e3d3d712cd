"""Cases now point at `definitions.DefinitionVersion` (moved from the app "designer"), and batch
jobs move here from the app "dashboard" (now HTTP and pages only).

State only: the foreign key column and the tables (`designer_definitionversion`,
`dashboard_batchjob`) are unchanged, so existing databases keep their rows.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("engine", "0003_dashboard_indexes"),
        ("definitions", "0001_definitions_moved_from_designer"),
        ("dashboard", "0001_batch_jobs"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="version",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cases",
                        to="definitions.definitionversion",
                    ),
                ),
                migrations.CreateModel(
                    name="BatchJob",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("action", models.CharField(choices=[("cancel", "Cancel"), ("retry", "Retry")], max_length=20)),
                        ("filters", models.JSONField(default=dict)),
                        ("params", models.JSONField(default=dict)),
                        ("case_ids", models.JSONField(default=list)),
                        (
                            "state",
                            models.CharField(
                                choices=[("pending", "Pending"), ("running", "Running"), ("done", "Done")],
                                default="pending",
                                max_length=20,
                            ),
                        ),
                        ("total", models.PositiveIntegerField(default=0)),
                        ("done", models.PositiveIntegerField(default=0)),
                        ("succeeded", models.PositiveIntegerField(default=0)),
                        ("failed", models.PositiveIntegerField(default=0)),
                        ("errors", models.JSONField(default=list)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "created_by",
                            models.ForeignKey(
                                null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL
                            ),
                        ),
                    ],
                    options={"db_table": "dashboard_batchjob", "ordering": ["-id"]},
                ),
            ],
            database_operations=[],
        ),
    ]
