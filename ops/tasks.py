"""The periodic retention task (ADR 0079), scheduled by beat when WORKFLOW_RETENTION_DAYS > 0."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from celery import shared_task
from django.conf import settings

from engine import services

log = logging.getLogger(__name__)


@shared_task(name="workflow.retention", acks_late=False)
def retention() -> dict[str, Any]:
    if settings.WORKFLOW_RETENTION_DAYS <= 0:
        return {"cases": 0}
    result = services.cases_archive(
        older_than=dt.timedelta(days=settings.WORKFLOW_RETENTION_DAYS),
        directory=settings.WORKFLOW_ARCHIVE_DIR,
        limit=settings.WORKFLOW_RETENTION_BATCH,
    )
    if result.cases:
        log.info("archived and purged %d cases to %s", result.cases, result.path)
    return result.as_dict()
