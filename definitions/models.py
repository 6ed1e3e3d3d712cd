"""Workflow definitions: an editable draft and its immutable published versions."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Definition(models.Model):
    name = models.CharField(max_length=200, unique=True)
    title = models.CharField(max_length=300, blank=True)
    draft = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        db_table = "designer_definition"  # the table the app "designer" created (kept on the move)
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def latest_version(self) -> DefinitionVersion | None:
        return self.versions.order_by("-version").first()


class DefinitionVersion(models.Model):
    """A published, frozen net. Cases run on the version they started with."""

    definition = models.ForeignKey(Definition, related_name="versions", on_delete=models.PROTECT)
    version = models.PositiveIntegerField()
    net = models.JSONField()
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    comment = models.TextField(blank=True, default="")  # what changed, in the publisher's words

    class Meta:
        db_table = "designer_definitionversion"  # kept from the app "designer"
        ordering = ["definition__name", "version"]
        constraints = [models.UniqueConstraint(fields=["definition", "version"], name="unique_definition_version")]

    def __str__(self) -> str:
        return f"{self.definition.name} v{self.version}"
