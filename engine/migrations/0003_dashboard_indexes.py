"""Indexes for the operations dashboard (ADR 0041).

It follows issue 3's 0002_case_pending_signals_work_item_iteration (merged into this branch).

On PostgreSQL it also adds a GIN index (jsonb_path_ops) on the case data, which serves the case
list's data filters (`data.customer == "ACME"` becomes `data @> '{"customer": "ACME"}'`), and
an index on `ended_at DESC NULLS LAST, id DESC` for "recently ended first". They are not
declared on the model: SQLite has neither GIN nor NULLS LAST in an index, and a model-level
index would have to exist on both. Their SQL runs only on PostgreSQL.
"""

from django.conf import settings
from django.db import migrations, models

POSTGRES_ONLY = {
    # the case list's data filters (equality as containment)
    "case_data_gin": "ON engine_case USING gin (data jsonb_path_ops)",
    # "recently ended first" with running cases last (SQLite has no NULLS LAST in an index)
    "case_ended_desc": "ON engine_case (ended_at DESC NULLS LAST, id DESC)",
}


def add_postgres_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, spec in POSTGRES_ONLY.items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} {spec}")


def drop_postgres_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in POSTGRES_ONLY:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("designer", "0001_definitions_and_versions"),
        ("engine", "0002_case_pending_signals_work_item_iteration"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(add_postgres_only, drop_postgres_only),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["state", "id"], name="case_state_id"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["definition_name", "id"], name="case_def_id"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["version", "id"], name="case_version_id"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["ended_at"], name="case_ended_at"),
        ),
        migrations.AddIndex(
            model_name="workitem",
            index=models.Index(fields=["state", "updated_at"], name="workitem_state_updated"),
        ),
    ]
