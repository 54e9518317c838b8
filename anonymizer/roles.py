"""The three roles of Veil, as Django groups, and the permissions each group holds."""

from __future__ import annotations

from typing import Any

REVIEWER = "reviewer"
PRIVACY_OFFICER = "privacy_officer"
ADMIN = "admin"
ROLES = (REVIEWER, PRIVACY_OFFICER, ADMIN)

# Model-wide permissions per group ("app_label.codename"). Reviewers hold no model-wide
# permission on batches: they get view/review on the batches an admin assigns to them.
GROUP_PERMISSIONS: dict[str, tuple[str, ...]] = {
    REVIEWER: (),
    PRIVACY_OFFICER: (
        "anonymizer.view_sourcebatch",
        "anonymizer.view_ruleset",
        "anonymizer.add_ruleset",
        "anonymizer.change_ruleset",
        "anonymizer.activate_ruleset",
        "anonymizer.view_policy",
        "anonymizer.add_policy",
        "anonymizer.change_policy",
        "anonymizer.approve_policy",
        "anonymizer.view_vaultentry",
        "anonymizer.view_exporteddataset",
    ),
    ADMIN: (
        "anonymizer.view_sourcebatch",
        "anonymizer.add_sourcebatch",
        "anonymizer.change_sourcebatch",
        "anonymizer.view_ruleset",
        "anonymizer.view_policy",
        "anonymizer.add_exporteddataset",
        "anonymizer.view_exporteddataset",
    ),
}


def user_roles(user: Any) -> frozenset[str]:
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_veil_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        if user.is_superuser:
            cached = cached | {ADMIN}
        user._veil_roles = cached
    return cached


def has_role(user: Any, role: str) -> bool:
    return role in user_roles(user)


def ensure_groups(group_model: Any, permission_model: Any) -> None:
    """Create the role groups with their permissions; idempotent.

    Takes the model classes so that the data migration can pass its historical models.
    """
    for name, perms in GROUP_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=name)
        codenames = [p.split(".", 1)[1] for p in perms]
        found = permission_model.objects.filter(
            content_type__app_label="anonymizer", codename__in=codenames
        )
        if found.count() != len(codenames):
            raise RuntimeError(f"Permissions missing for group {name}: run migrate.")
        group.permissions.add(*found)


def migrate_groups(apps: Any) -> None:
    """For data migrations: create the permissions of every app now (Django otherwise does so
    only after migrate), then the role groups with theirs."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    ensure_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))
