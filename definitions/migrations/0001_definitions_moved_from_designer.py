"""The definition models move from the app "designer" (now HTTP and pages only) to this app.

State only: the tables keep their names (`designer_definition`, `designer_definitionversion`,
set as `db_table`), so an existing database keeps its rows and a fresh one gets its tables from
designer's 0001 as before.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("designer", "0001_definitions_and_versions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Definition",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=200, unique=True)),
                        ("title", models.CharField(blank=True, max_length=300)),
                        ("draft", models.JSONField()),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "updated_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={"db_table": "designer_definition", "ordering": ["name"]},
                ),
                migrations.CreateModel(
                    name="DefinitionVersion",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("version", models.PositiveIntegerField()),
                        ("net", models.JSONField()),
                        ("published_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "definition",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="versions",
                                to="definitions.definition",
                            ),
                        ),
                        (
                            "published_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "designer_definitionversion",
                        "ordering": ["definition__name", "version"],
                        "constraints": [
                            models.UniqueConstraint(fields=("definition", "version"), name="unique_definition_version")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
