"""The definition models now belong to the app "definitions" (its migration 0001 takes them
over); this app keeps the HTTP API and the page. State only: the tables stay."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("designer", "0001_definitions_and_versions"),
        ("engine", "0004_definitions_and_batch_jobs_moved"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="DefinitionVersion"),
                migrations.DeleteModel(name="Definition"),
            ],
            database_operations=[],
        ),
    ]
