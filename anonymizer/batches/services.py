"""Writes for batches and records. Keyword-only arguments; the actor is always explicit."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from anonymizer import roles
from anonymizer.batches.ingest import ParsedBatch, ParseOptions, parse_batch_file
from anonymizer.batches.selectors import batch_reviewers
from anonymizer.detection.services import detection_start
from anonymizer.models import ApiToken, DetectionRun, Record, SourceBatch
from anonymizer.permissions import REVIEW_CODENAME, VIEW_CODENAME
from audit.services import audit_log

log = logging.getLogger(__name__)

INSERT_CHUNK = 2000
ProgressCallback = Callable[[int], None]


def batch_import(
    *,
    actor: Any,
    data: bytes,
    name: str,
    data_class: str,
    purpose: str,
    source_format: str,
    text_columns: Iterable[str] = (),
    id_column: str = "",
    progress: ProgressCallback | None = None,
) -> SourceBatch:
    """Validate the whole file, then store the batch and all its records in one transaction.

    Raises IngestError (nothing stored) when the file cannot be imported.
    """
    options = ParseOptions(
        source_format=source_format,
        text_columns=[c for c in text_columns if c],
        id_column=id_column,
        max_bytes=settings.VEIL_MAX_UPLOAD_BYTES,
        max_record_chars=settings.VEIL_MAX_RECORD_CHARS,
    )
    parsed = parse_batch_file(data, options)
    return _store_batch(
        actor=actor,
        parsed=parsed,
        name=name.strip(),
        data_class=data_class,
        purpose=purpose,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        progress=progress,
    )


@dataclass(frozen=True)
class Imported:
    """A stored batch, its detection run if one was queued, and why not if it failed to be."""

    batch: SourceBatch
    run: DetectionRun | None = None
    detection_error: str = ""


def batch_import_and_detect(*, actor: Any, detect: bool = True, **kwargs: Any) -> Imported:
    """Import (all or nothing, as batch_import), then queue detection when `detect` and
    VEIL_DETECT_ON_IMPORT allow. The batch is kept if detection cannot be queued (the queue
    is down): the error class is returned, and detection can be started again later."""
    batch = batch_import(actor=actor, **kwargs)
    if not (detect and settings.VEIL_DETECT_ON_IMPORT):
        return Imported(batch)
    try:
        run = detection_start(actor=actor, batch=batch)
    except Exception as exc:  # noqa: BLE001 - the class only: the batch itself is stored
        log.error("detection of batch %s could not be queued: %s", batch.pk, type(exc).__name__)
        return Imported(batch, detection_error=type(exc).__name__)
    return Imported(batch, run)


def _store_batch(
    *,
    actor: Any,
    parsed: ParsedBatch,
    name: str,
    data_class: str,
    purpose: str,
    sha256: str,
    size: int,
    progress: ProgressCallback | None,
) -> SourceBatch:
    with transaction.atomic():
        batch = SourceBatch(
            name=name,
            data_class=data_class,
            purpose=purpose,
            source_format=parsed.source_format,
            source_sha256=sha256,
            source_bytes=size,
            text_columns=parsed.text_columns,
            id_column=parsed.id_column,
            structured_columns=parsed.structured_columns,
            record_count=len(parsed.records),
            char_count=parsed.char_count,
            created_by=actor,
        )
        batch.full_clean(exclude=["created_by", "source_sha256"])
        batch.save()
        _store_records(batch, parsed, progress)
        counts = {"records": batch.record_count, "chars": batch.char_count, "bytes": size}
        source = {"format": batch.source_format, "sha256": sha256}
        _audit_batch(
            actor, "batch.imported", batch,
            {**counts, **source, "data_class": data_class, "purpose": purpose},
        )
    return batch


def _store_records(
    batch: SourceBatch, parsed: ParsedBatch, progress: ProgressCallback | None
) -> None:
    records = parsed.records
    for start in range(0, len(records), INSERT_CHUNK):
        chunk = records[start : start + INSERT_CHUNK]
        Record.objects.bulk_create(
            Record(
                batch=batch,
                position=r.position,
                external_id=r.external_id,
                text=r.text,
                fields=r.fields,
            )
            for r in chunk
        )
        if progress is not None:
            progress(len(chunk))


def batch_assign_reviewers(*, actor: Any, batch: SourceBatch, reviewers: Iterable[Any]) -> None:
    """Make `reviewers` exactly the set of users who may review the batch."""
    wanted = {u.pk: u for u in reviewers}
    for user in wanted.values():
        if not roles.has_role(user, roles.REVIEWER):
            raise ValueError("Only users in the reviewer group can be assigned to a batch.")
    with transaction.atomic():
        current = {u.pk: u for u in batch_reviewers(batch)}
        for pk, user in current.items():
            if pk not in wanted:
                remove_perm(REVIEW_CODENAME, user, batch)
                remove_perm(VIEW_CODENAME, user, batch)
        for pk, user in wanted.items():
            if pk not in current:
                assign_perm(VIEW_CODENAME, user, batch)
                assign_perm(REVIEW_CODENAME, user, batch)
        _audit_batch(
            actor, "batch.reviewers_assigned", batch,
            {"reviewer_ids": sorted(wanted), "previous_ids": sorted(current)},
        )


def _audit_batch(actor: Any, action: str, batch: SourceBatch, payload: dict[str, Any]) -> None:
    audit_log(
        actor=actor, action=action, batch_public_id=batch.public_id, target=batch, payload=payload
    )


def api_token_create(*, user: Any, name: str) -> tuple[ApiToken, str]:
    """Create a token; the plain key is returned once and never stored."""
    key = "veil_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name, prefix=key[:12], key_hash=hashlib.sha256(key.encode()).hexdigest()
        )
        audit_log(
            actor=user, action="api_token.created", target=token, payload={"prefix": key[:12]}
        )
    return token, key


def api_token_authenticate(key: str) -> Any | None:
    digest = hashlib.sha256(key.encode()).hexdigest()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=digest, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


def user_create_with_role(*, username: str, password: str, role: str, email: str = "") -> Any:
    """A user in one role group (the groups come from migrations)."""
    if role not in roles.ROLES:
        raise ValueError(f"Unknown role {role!r}.")
    group = Group.objects.get(name=role)
    user = get_user_model().objects.create_user(username=username, password=password, email=email)
    user.groups.add(group)
    return user
