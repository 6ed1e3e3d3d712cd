from django.apps import AppConfig


class DashboardConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard"
    verbose_name = "Operations dashboard"

    def ready(self) -> None:
        from dashboard import tasks  # noqa: F401 - registers the Celery task
