"""Indexes for the operations dashboard (ADR 0041).

Named 0003 because issue 3 adds 0002_case_pending_signals_work_item_iteration; this one depends
on 0001 only, so the two branches merge with a merge migration (or this one is re-pointed).

On PostgreSQL it also adds a GIN index (jsonb_path_ops) on the case data, which serves the case
list's data filters (`data.customer == "ACME"` becomes `data @> '{"customer": "ACME"}'`).
The index is not declared on the model: SQLite has no GIN, and a model-level index would have
to exist on both. Its SQL runs only on PostgreSQL.
"""

from django.conf import settings
from django.db import migrations, models


GIN_NAME = "case_data_gin"


def add_gin(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {GIN_NAME} ON engine_case USING gin (data jsonb_path_ops)"
        )


def drop_gin(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {GIN_NAME}")


class Migration(migrations.Migration):

    dependencies = [
        ('designer', '0001_definitions_and_versions'),
        ('engine', '0001_cases_work_items_events'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(add_gin, drop_gin),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['state', 'id'], name='case_state_id'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['definition_name', 'id'], name='case_def_id'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['version', 'id'], name='case_version_id'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['ended_at'], name='case_ended_at'),
        ),
        migrations.AddIndex(
            model_name='workitem',
            index=models.Index(fields=['state', 'updated_at'], name='workitem_state_updated'),
        ),
    ]
