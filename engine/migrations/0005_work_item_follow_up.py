"""Work items get a follow-up date (ADR 0084): null for none."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("engine", "0004_definitions_and_batch_jobs_moved"),
    ]

    operations = [
        migrations.AddField(
            model_name="workitem",
            name="follow_up",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
