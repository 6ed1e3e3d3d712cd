from django.apps import AppConfig


class InboxConfig(AppConfig):
    """The inbox: the work item HTTP API for people (the page is the front end's)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "inbox"
