from django.apps import AppConfig


class WorkerConfig(AppConfig):
    """Where automatic work runs: Celery tasks, batches, the runner of one attempt, the standard
    activities. Registers the runner with the engine's dispatch port (engine.hooks)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "worker"

    def ready(self) -> None:
        from celery.signals import worker_ready

        from engine import hooks
        from worker import dispatch, heartbeat

        hooks.register_dispatcher(dispatch.dispatch_automatic)
        hooks.register_batch_runner(dispatch.run_batch_job)
        worker_ready.connect(heartbeat.on_worker_ready, weak=False)
