from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: object) -> int:
        raise AppendOnlyError("Audit events cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events cannot be deleted.")


class AppendOnlyError(Exception):
    pass


class AuditEvent(models.Model):
    """Append-only, hash-chained log. Payloads hold ids, offsets, types and hashes: never text.

    `hash` = sha256(prev_hash + canonical JSON of the event's fields); `verify_audit` recomputes
    the chain and names the first event that was edited, removed or reordered.
    """

    seq = models.PositiveBigIntegerField(unique=True, help_text="1, 2, 3, ... with no gaps.")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True, default="")
    action = models.CharField(max_length=60)
    batch_public_id = models.UUIDField(null=True, blank=True)
    target_type = models.CharField(max_length=60, blank=True, default="")
    target_id = models.CharField(max_length=64, blank=True, default="")
    payload = models.JSONField(default=dict)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        indexes = [
            # The officers' audit page filters by action, batch and actor over a date range.
            models.Index(fields=["action", "at"], name="audit_action_at"),
            models.Index(fields=["batch_public_id", "at"], name="audit_batch_at"),
            models.Index(fields=["actor", "at"], name="audit_actor_at"),
            # The list pages in seq order within one kind, actor name, batch or object, and
            # reads a date range off the time index.
            models.Index(fields=["action", "seq"], name="audit_action_seq"),
            models.Index(fields=["actor_name", "seq"], name="audit_actor_name_seq"),
            models.Index(fields=["batch_public_id", "seq"], name="audit_batch_seq"),
            models.Index(fields=["target_id", "seq"], name="audit_target_seq"),
            models.Index(fields=["at"], name="audit_at"),
        ]

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Audit events cannot be changed.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events cannot be deleted.")

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"
