"""Running state: cases, their work items, and the append-only event log.

A case row holds the marking, the task states (with generations and stats) and the case
data as JSON: one row lock guards the whole state of a case. Work items are rows of their own
so inboxes can query them.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Case(models.Model):
    class State(models.TextChoices):
        RUNNING = "running"
        SUSPENDED = "suspended"
        COMPLETED = "completed"
        FAILED = "failed"
        CANCELED = "canceled"
        DEADLOCKED = "deadlocked"

    version = models.ForeignKey("definitions.DefinitionVersion", related_name="cases", on_delete=models.PROTECT)
    definition_name = models.CharField(max_length=200, db_index=True)  # denormalised for filters
    # the caller's own name for the case (Camunda's business key, Temporal's workflow id):
    # optional, unique among the cases of one definition (ADR 0082)
    business_key = models.CharField(max_length=255, null=True, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.RUNNING, db_index=True)
    data = models.JSONField(default=dict)
    marking = models.JSONField(default=dict)
    tasks = models.JSONField(default=dict)
    # signals received while no signal task waited for them (persistent triggers), oldest first
    pending_signals = models.JSONField(default=list, blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, related_name="children", on_delete=models.CASCADE)
    parent_item = models.ForeignKey(
        "engine.WorkItem", null=True, blank=True, related_name="child_cases", on_delete=models.SET_NULL
    )
    depth = models.PositiveSmallIntegerField(default=0)
    reason = models.TextField(blank=True)  # why it was canceled / failed / deadlocked
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["definition_name", "state"], name="case_def_state"),
            # the dashboard's case list: newest first within a state / definition / version,
            # and the completed-per-hour series (ADR 0041)
            models.Index(fields=["state", "id"], name="case_state_id"),
            models.Index(fields=["definition_name", "id"], name="case_def_id"),
            models.Index(fields=["version", "id"], name="case_version_id"),
            models.Index(fields=["ended_at"], name="case_ended_at"),
            # finding a case by its business key alone (the dashboard's search box)
            models.Index(fields=["business_key"], name="case_business_key"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["definition_name", "business_key"],
                condition=models.Q(business_key__isnull=False),
                name="case_unique_business_key",
            )
        ]

    def __str__(self) -> str:
        return f"case {self.pk} ({self.definition_name})"


class WorkItem(models.Model):
    class State(models.TextChoices):
        INITIALIZED = "initialized"
        STARTED = "started"
        COMPLETED = "completed"
        FAILED = "failed"
        CANCELED = "canceled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, related_name="work_items", on_delete=models.CASCADE)
    task = models.CharField(max_length=200)
    generation = models.PositiveIntegerField(default=1)
    kind = models.CharField(max_length=20)
    state = models.CharField(max_length=20, choices=State.choices, default=State.INITIALIZED)
    input = models.JSONField(default=dict, null=True)
    output = models.JSONField(null=True, blank=True)
    attempt = models.PositiveIntegerField(default=1)
    iteration = models.PositiveIntegerField(default=1)  # its place in a chain of `next_iteration` runs
    error = models.JSONField(null=True, blank=True)
    role = models.CharField(max_length=150, null=True, blank=True, db_index=True)  # offered to a group
    offered_user = models.CharField(max_length=150, null=True, blank=True, db_index=True)  # offered to a user
    assignee = models.CharField(max_length=150, null=True, blank=True, db_index=True)  # claimed by
    completed_by = models.CharField(max_length=150, null=True, blank=True)
    priority = models.IntegerField(default=0)
    due_at = models.DateTimeField(null=True, blank=True)
    # when its assignee wants to see it again: until then the inbox files it under "later"
    # (Camunda Tasklist's follow-up date; people's planning, not the engine's state: ADR 0084)
    follow_up = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["case", "state"], name="workitem_case_state"),
            models.Index(fields=["state", "role"], name="workitem_state_role"),
            models.Index(fields=["state", "kind", "due_at"], name="workitem_state_kind_due"),
            # the dashboard's duration statistics: completed items by completion time (ADR 0041)
            models.Index(fields=["state", "updated_at"], name="workitem_state_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk} ({self.state})"


class Event(models.Model):
    """The append-only history of a case: enough to rebuild its state at any past moment."""

    id = models.BigAutoField(primary_key=True)
    case = models.ForeignKey(Case, related_name="events", on_delete=models.CASCADE)
    type = models.CharField(max_length=50)
    task = models.CharField(max_length=200, blank=True)
    work_item = models.UUIDField(null=True, blank=True)
    payload = models.JSONField(default=dict)
    actor = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["case", "id"], name="event_case_id")]

    def __str__(self) -> str:
        return f"{self.type} on case {self.case_id}"


class BatchJob(models.Model):
    """A batch job: cancel or retry over a set of cases fixed when it is created, worked through
    one case per transaction (each through the services), `done` counting progress. ADR 0043."""

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
        db_table = "dashboard_batchjob"  # the table the app "dashboard" created (kept on the move)
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"batch {self.action} #{self.pk} ({self.done}/{self.total})"


# The choice sets by name, for the enum names of the API schema (ENUM_NAME_OVERRIDES in
# config/settings.py): the front end's generated types call them CaseStateEnum and so on.
CASE_STATE_CHOICES = Case.State.choices
WORK_ITEM_STATE_CHOICES = WorkItem.State.choices
BATCH_JOB_STATE_CHOICES = BatchJob.State.choices
