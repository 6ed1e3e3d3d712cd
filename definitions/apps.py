from django.apps import AppConfig


class DefinitionsConfig(AppConfig):
    """Workflow definitions: drafts, published versions, validation and publishing, and the
    activity registry that automatic tasks name."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "definitions"
