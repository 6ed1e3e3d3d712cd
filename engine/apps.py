from django.apps import AppConfig
from django.conf import settings

from engine.core import limits


class EngineConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "engine"

    def ready(self) -> None:
        # the pure engine's limits from the settings (docs/limits.md)
        limits.configure(
            cel_max_length=settings.WORKFLOW_CEL_MAX_LENGTH,
            cel_max_cost=settings.WORKFLOW_CEL_MAX_COST,
            cel_timeout=settings.WORKFLOW_CEL_TIMEOUT,
            max_items_per_task=settings.WORKFLOW_MAX_ITEMS_PER_TASK,
            max_cases_per_root=settings.WORKFLOW_MAX_CASES_PER_ROOT,
        )
