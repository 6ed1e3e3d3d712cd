from django.apps import AppConfig


class InboxConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'inbox'

    def ready(self) -> None:
        from inbox import signals

        signals.connect()
