"""Policies as code (anonymizer.ascode): a version downloads as a JSON or YAML file for version
control; a file imports as a new draft of its name, checked as any draft is, which still needs
an officer who neither wrote nor edited it to approve it (four eyes). Nothing is stored from a
file that fails."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from anonymizer import ascode, permissions
from anonymizer.models import Policy
from anonymizer.policies.rules import PolicyError
from anonymizer.policies.services import policy_create
from audit.services import audit_log

POLICY_KIND = "veil.policy"
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,80}")
BODY_FIELDS = ("rules", "column_rules", "id_rule", "tabular")
META_FIELDS = ("data_class", "purpose", "linkage_domain", "notes")


def policy_file(policy: Policy, fmt: str = "json") -> str:
    return ascode.dump(POLICY_KIND, {
        "name": policy.name, "version": policy.version, "status": policy.status,
        **{f: getattr(policy, f) for f in META_FIELDS},
    }, {f: getattr(policy, f) for f in BODY_FIELDS}, fmt)


def policy_import(*, actor: Any, data: bytes) -> Policy:
    """A new draft version of the file's policy name. Raises ascode.FileError or PolicyError."""
    if not permissions.may(actor, permissions.CHANGE_POLICY):
        raise PermissionDenied("Only privacy officers import policies.")
    document = ascode.load(data, POLICY_KIND)
    body, name = document["body"], document.get("name")
    if not isinstance(body, dict) or not isinstance(name, str) or not name.strip():
        raise PolicyError("A policy file needs a name and a body object.")
    meta = {f: document.get(f) for f in META_FIELDS if document.get(f) is not None}
    if not all(isinstance(v, str) for v in meta.values()):
        raise PolicyError("data_class, purpose, linkage_domain and notes are texts.")
    if "linkage_domain" in meta and not SLUG.fullmatch(meta["linkage_domain"]):
        raise PolicyError("The linkage domain is letters, digits, - and _ (at most 80).")
    fields = {f: body.get(f) for f in BODY_FIELDS if body.get(f) is not None}
    if not all(isinstance(v, dict) for v in fields.values()):
        raise PolicyError("rules, column_rules, id_rule and tabular are objects.")
    with transaction.atomic():
        draft = policy_create(actor=actor, name=name.strip()[:120], **meta, **fields)
        audit_log(actor=actor, action="policy.imported", target=draft, payload={
            "name": draft.name, "version": draft.version,
            "file_version": document.get("version"),
            "body_sha256": ascode.body_digest(body),
        })
    return draft
