"""The dashboard's own state: batch jobs (cancel or retry over a filtered list of cases).

A job snapshots the ids of the cases it targets when it is created, then works through them
one case per transaction (each through `engine.services`), updating `done` as it goes so the
page can poll its progress. See ADR 0043.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class BatchJob(models.Model):
    class Action(models.TextChoices):
        CANCEL = "cancel"
        RETRY = "retry"

    class State(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        DONE = "done"

    action = models.CharField(max_length=20, choices=Action.choices)
    filters = models.JSONField(default=dict)  # the case-list filters it was created from
    params = models.JSONField(default=dict)  # e.g. {"reason": ...} or {"task": ...}
    case_ids = models.JSONField(default=list)  # the targets, fixed at creation
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)  # cases handled (succeeded + failed + skipped)
    succeeded = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list)  # [{"case", "code", "detail"}], the first 100
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"batch {self.action} #{self.pk} ({self.done}/{self.total})"
