from django.apps import AppConfig


class CasesConfig(AppConfig):
    """The case HTTP API: start, list, inspect and operate cases (signals, queries, history)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "cases"
