"""Reads for policies: which approved policies fit a batch (Policy.fits is the rule)."""

from __future__ import annotations

from anonymizer.defaults import DEFAULT_POLICY
from anonymizer.models import Policy, Record, SourceBatch

SAMPLE_RECORDS = 200


def policies_for_batch(batch: SourceBatch) -> list[Policy]:
    """Approved policies that fit the batch's data class and purpose (blank fits any)."""
    return [p for p in Policy.objects.filter(status=Policy.Status.APPROVED) if p.fits(batch)]


def policy_for_batch(batch: SourceBatch) -> Policy | None:
    """The approved policy that fits the batch best: exact data class and purpose first."""
    candidates = Policy.objects.filter(
        status=Policy.Status.APPROVED,
        data_class__in=["", batch.data_class],
        purpose__in=["", batch.purpose],
    ).only("id", "name", "version", "rules", "data_class", "purpose", "approved_at")
    return max(candidates, key=lambda p: p.fit_rank(batch), default=None)


def default_policy() -> Policy:
    """The newest approved version of the built-in `default` policy (installed by a
    migration; a newer draft, such as the one migration 0012 proposes, waits for approval)."""
    policy = (
        Policy.objects.filter(name=DEFAULT_POLICY, status=Policy.Status.APPROVED)
        .order_by("-version")
        .first()
    )
    if policy is None:
        raise Policy.DoesNotExist("The default policy is missing: run migrate.")
    return policy


def column_sample(
    column: str, *, data_class: str = "", purpose: str = "", limit: int = SAMPLE_RECORDS
) -> list[str]:
    """Non-empty values of `column` in the newest records of batches a policy with this data
    class and purpose (blank: any) applies to; for checking a column rule, never shown."""
    batches = SourceBatch.objects.filter(structured_columns__contains=[column])
    if data_class:
        batches = batches.filter(data_class=data_class)
    if purpose:
        batches = batches.filter(purpose=purpose)
    rows = (
        Record.objects.filter(batch__in=batches)
        .order_by("-batch_id", "position")
        .values_list("fields", flat=True)[:limit]
    )
    values = ((row or {}).get(column) for row in rows)
    return [str(v) for v in values if v not in (None, "")]


def policy_editor_names(policy: Policy) -> list[str]:
    """Who wrote or changed the version, for its page (four eyes: none of them approves it)."""
    return sorted(policy.editors.values_list("username", flat=True))
