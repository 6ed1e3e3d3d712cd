from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    """Websocket pushes: the consumers (/ws/inbox/, /ws/cases/{id}/, /ws/dashboard/) and the push
    sent on commit. Registers itself with the engine's change port (engine.hooks)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "realtime"

    def ready(self) -> None:
        from engine import hooks
        from realtime import push, signals

        hooks.register_change_listener(push.record)
        signals.connect()
