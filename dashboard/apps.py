from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The operations dashboard's HTTP API for staff (the pages are the front end's)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard"
    verbose_name = "Operations dashboard"
