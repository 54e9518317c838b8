"""The three roles of Veil, as Django groups, and the permissions each group holds.

Roles only grant permissions: code and templates ask anonymizer.permissions, never which role
a user has. The groups are created by migrations (anonymizer.defaults), never by a request.
"""

from __future__ import annotations

from typing import Any

from anonymizer import permissions as p

REVIEWER = "reviewer"
PRIVACY_OFFICER = "privacy_officer"
ADMIN = "admin"
ROLES = (REVIEWER, PRIVACY_OFFICER, ADMIN)

# Model-wide permissions per group. Reviewers hold no model-wide permission on batches: they
# get view/review on the batches an admin assigns to them, and the review workspace.
GROUP_PERMISSIONS: dict[str, tuple[str, ...]] = {
    REVIEWER: (p.USE_REVIEW,),
    PRIVACY_OFFICER: (
        p.VIEW,
        p.CONFIRM_COLUMNS,
        p.VIEW_RULESET,
        "anonymizer.add_ruleset",
        p.CHANGE_RULESET,
        p.ACTIVATE_RULESET,
        p.VIEW_POLICY,
        "anonymizer.add_policy",
        p.CHANGE_POLICY,
        p.APPROVE_POLICY,
        p.LOOKUP_VAULT,
        p.VIEW_EXPORT,
        p.RESOLVE_ESCALATION,
        p.VIEW_AUDIT,
        p.VIEW_PIPELINE,
    ),
    ADMIN: (
        p.VIEW,
        p.ADD,
        p.CHANGE,
        p.VIEW_RULESET,
        p.VIEW_POLICY,
        p.ADD_EXPORT,
        p.VIEW_EXPORT,
        p.DOWNLOAD_EXPORT,
        p.MANAGE_API_TOKENS,
        p.VIEW_PIPELINE,
        p.ADD_PIPELINE,
        p.CHANGE_PIPELINE,
        p.RUN_PIPELINE,
    ),
}


def user_roles(user: Any) -> frozenset[str]:
    """The role names a user holds, to show beside their name (never to decide access)."""
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
    """Group membership: who may be assigned a batch to review, who is a demo admin."""
    return role in user_roles(user)


def ensure_groups(group_model: Any, permission_model: Any, *, strict: bool = True) -> None:
    """Create the role groups with their permissions; idempotent.

    Takes the model classes so that data migrations can pass their historical models. Older
    migrations run before some permissions exist (`strict=False` grants those that do); the
    latest one is strict, so a missing permission fails the migration rather than a request.
    """
    for name, perms in GROUP_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=name)
        found = []
        for perm in perms:
            app_label, codename = perm.split(".", 1)
            found += list(
                permission_model.objects.filter(
                    content_type__app_label=app_label, codename=codename
                )
            )
        if strict and len(found) != len(perms):
            raise RuntimeError(f"Permissions missing for group {name}: run migrate.")
        group.permissions.add(*found)
