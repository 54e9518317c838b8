"""Reads for policies: which approved policies fit a batch (Policy.fits is the rule)."""

from __future__ import annotations

from anonymizer.defaults import DEFAULT_POLICY
from anonymizer.models import Policy, SourceBatch


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
    """The built-in approved `default` policy (installed by a migration)."""
    policy = Policy.objects.filter(name=DEFAULT_POLICY).order_by("-version").first()
    if policy is None:
        raise Policy.DoesNotExist("The default policy is missing: run migrate.")
    return policy
