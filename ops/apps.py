from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running it in production (issue 16): /healthz, /readyz, /metrics, the workers' heartbeat,
    the Prometheus metrics the engine, workers and websockets feed (through the engine's
    observability ports, engine.hooks), and the push-latency channel layer. docs/operations.md."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "ops"

    def ready(self) -> None:
        from engine import hooks
        from ops import heartbeat, metrics

        hooks.register_write_listener(metrics.on_rows_written)
        hooks.register_observer(metrics.on_observe)
        metrics.connect_celery_signals()
        heartbeat.connect()
