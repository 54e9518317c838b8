"""What a new installation starts with: the role groups, rule set version 1 (the built-in
recognizers) and the approved `default` policy. Only data migrations call this, with their
historical models; requests never create defaults."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.management import create_permissions
from django.utils import timezone

from anonymizer.engine.labels import LABELS
from anonymizer.engine.ruleset import default_ruleset_config
from anonymizer.roles import ensure_groups

DEFAULT_POLICY = "default"
DEFAULT_POLICY_NOTES = (
    "Built in: every detected entity replaced by its type label; unknown types redacted; "
    "structured columns dropped; the id column a keyed pseudonym of the linkage domain."
)
ID_RULE_NOTES = (
    "Proposed by migration 0012: the id column leaves as a keyed pseudonym of the linkage "
    "domain (before, it left verbatim whatever the policy said). A privacy officer approves it."
)


def default_id_rule() -> dict[str, Any]:
    """The id column of a policy that names no rule for it: a keyed pseudonym per domain."""
    return {"operator": "pseudonymize"}


def default_policy_rules() -> dict[str, Any]:
    """Every known entity type replaced by its label; anything else redacted (fail closed)."""
    return {
        "rules": {label: {"operator": "replace"} for label in sorted(LABELS)},
        "default": {"operator": "redact"},
    }


def migrate_groups(apps: Any, *, strict: bool = True) -> None:
    """Create the permissions of every app now (Django otherwise does so only after migrate),
    then the role groups with theirs."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    group, permission = apps.get_model("auth", "Group"), apps.get_model("auth", "Permission")
    ensure_groups(group, permission, strict=strict)


def install_default_policy(apps: Any) -> None:
    policy_model = apps.get_model("anonymizer", "Policy")
    if not policy_model.objects.filter(name=DEFAULT_POLICY).exists():
        # Migrations older than 0012 pass a Policy without the id rule: 0012 proposes it.
        names = {f.name for f in policy_model._meta.get_fields()}
        extra = {"id_rule": default_id_rule()} if "id_rule" in names else {}
        policy_model.objects.create(
            name=DEFAULT_POLICY,
            version=1,
            status="approved",
            rules=default_policy_rules(),
            column_rules={},
            notes=DEFAULT_POLICY_NOTES,
            approved_at=timezone.now(),
            **extra,
        )


def propose_default_id_rule(apps: Any) -> None:
    """Databases whose `default` policy names no id rule get one for an officer to approve:
    filled into the open draft, or a new draft version based on the latest approved one.
    Approved versions never change, and a migration approves nothing."""
    policy_model = apps.get_model("anonymizer", "Policy")
    versions = policy_model.objects.filter(name=DEFAULT_POLICY).order_by("-version")
    latest = versions.first()
    if latest is None or latest.id_rule:
        return
    if latest.status == "draft":
        latest.id_rule, latest.notes = default_id_rule(), f"{latest.notes}\n{ID_RULE_NOTES}".strip()
        latest.save(update_fields=["id_rule", "notes"])
        return
    base = versions.filter(status="approved").first() or latest
    copied = ("rules", "column_rules", "data_class", "purpose", "linkage_domain", "tabular")
    policy_model.objects.create(
        name=DEFAULT_POLICY,
        version=latest.version + 1,
        status="draft",
        id_rule=default_id_rule(),
        notes=ID_RULE_NOTES,
        based_on=base,
        **{f: getattr(base, f) for f in copied},
    )


def install_first_ruleset(apps: Any) -> None:
    ruleset_model = apps.get_model("anonymizer", "RuleSet")
    if not ruleset_model.objects.exists():
        config = default_ruleset_config()
        ruleset_model.objects.create(
            version=config.version,
            status="active",
            config=config.to_dict(),
            notes="Built-in recognizers and defaults.",
            activated_at=timezone.now(),
        )


def install_defaults(apps: Any) -> None:
    """Idempotent: run by the latest data migration on every new or upgraded database."""
    migrate_groups(apps, strict=True)
    install_first_ruleset(apps)
    install_default_policy(apps)
