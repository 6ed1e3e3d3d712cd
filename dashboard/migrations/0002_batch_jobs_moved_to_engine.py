"""Batch jobs now belong to the app "engine" (its migration 0004 takes them over); this app keeps
the HTTP API and the pages. State only: the table `dashboard_batchjob` stays."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0001_batch_jobs"),
        ("engine", "0004_definitions_and_batch_jobs_moved"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="BatchJob")],
            database_operations=[],
        ),
    ]
