"""Writes for batches and records. Keyword-only arguments; the actor is always explicit."""

from __future__ import annotations

import hashlib
import io
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from itertools import islice
from typing import IO, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from anonymizer import roles
from anonymizer.batches.ingest import (
    IngestError,
    ParsedRecord,
    ParseOptions,
    RecordStream,
    Summary,
    duplicate_id_error,
)
from anonymizer.batches.selectors import batch_reviewers
from anonymizer.detection.services import detection_start
from anonymizer.models import ApiToken, DetectionRun, IdempotencyKey, Record, SourceBatch
from anonymizer.permissions import REVIEW_CODENAME, VIEW_CODENAME
from audit.services import audit_log

log = logging.getLogger(__name__)

INSERT_CHUNK = 2000
DEFAULT_MAX_RECORDS = 1_000_000
DEFAULT_TOKEN_DAYS = 90
IDEMPOTENCY_WINDOW = timedelta(hours=24)
IDEMPOTENCY_ABANDONED = timedelta(minutes=15)
MAX_TOKEN_DAYS = 365
ProgressCallback = Callable[[int], None]


def batch_import(
    *,
    actor: Any,
    data: bytes | IO[bytes],
    name: str,
    data_class: str,
    purpose: str,
    source_format: str,
    text_columns: Iterable[str] = (),
    id_column: str = "",
    progress: ProgressCallback | None = None,
    idempotency: IdempotencyKey | None = None,
) -> SourceBatch:
    """Read the whole file once to validate it (nothing written, no lock held), then again
    to store the batch and its records, in chunks, in one transaction. `data` is the bytes
    or a seekable binary file; memory stays bounded whatever its size. An API request's
    `idempotency` claim is pointed at the batch in the same transaction.

    Raises IngestError (nothing stored) when the file cannot be imported.
    """
    file = io.BytesIO(data) if isinstance(data, bytes) else data
    stream = RecordStream(file, _parse_options(source_format, text_columns, id_column))
    summary = stream.validate()
    with transaction.atomic():
        batch = _new_batch(actor, summary, name=name, data_class=data_class, purpose=purpose)
        _store_records(batch, stream, progress)
        if idempotency is not None:
            IdempotencyKey.objects.filter(pk=idempotency.pk).update(batch=batch)
            idempotency.batch = batch
        if stream.summary.sha256 != summary.sha256:
            raise IngestError("The file changed while it was being imported; upload it again.")
        counts = {"records": summary.record_count, "chars": summary.char_count}
        source = {"format": summary.source_format, "sha256": summary.sha256}
        _audit_batch(
            actor, "batch.imported", batch,
            {**counts, **source, "bytes": summary.size, "data_class": data_class,
             "purpose": purpose},
        )
    return batch


def _parse_options(
    source_format: str, text_columns: Iterable[str], id_column: str
) -> ParseOptions:
    return ParseOptions(
        source_format=source_format,
        text_columns=[c for c in text_columns if c],
        id_column=id_column,
        max_bytes=settings.VEIL_MAX_UPLOAD_BYTES,
        max_record_chars=settings.VEIL_MAX_RECORD_CHARS,
        max_records=getattr(settings, "VEIL_MAX_RECORDS", DEFAULT_MAX_RECORDS),
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


def _new_batch(
    actor: Any, summary: Summary, *, name: str, data_class: str, purpose: str
) -> SourceBatch:
    batch = SourceBatch(
        name=name.strip(),
        data_class=data_class,
        purpose=purpose,
        source_format=summary.source_format,
        source_sha256=summary.sha256,
        source_bytes=summary.size,
        text_columns=summary.text_columns,
        id_column=summary.id_column,
        structured_columns=list(summary.structured),
        record_count=summary.record_count,
        char_count=summary.char_count,
        created_by=actor,
    )
    batch.full_clean(exclude=["created_by", "source_sha256"])
    batch.save()
    return batch


def _store_records(
    batch: SourceBatch, records: Iterable[ParsedRecord], progress: ProgressCallback | None
) -> None:
    """Insert in chunks as the file is read again: at most one chunk is held in memory."""
    remaining = iter(records)
    while chunk := list(islice(remaining, INSERT_CHUNK)):
        _insert_chunk(batch, chunk)
        if progress is not None:
            progress(len(chunk))


def _insert_chunk(batch: SourceBatch, chunk: list[ParsedRecord]) -> None:
    """One chunk under a savepoint; a duplicate id (the unique index finds it, whatever the
    file's size) becomes the IngestError naming both records."""
    try:
        with transaction.atomic():
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
    except IntegrityError:
        duplicate = _duplicate_in(batch, chunk)
        if duplicate is None:
            raise
        raise duplicate from None


def _duplicate_in(batch: SourceBatch, chunk: list[ParsedRecord]) -> IngestError | None:
    stored = dict(
        Record.objects.filter(batch=batch, external_id__in=[r.external_id for r in chunk])
        .values_list("external_id", "position")
    )
    for record in chunk:
        first = stored.setdefault(record.external_id, record.position)
        if first != record.position:
            return duplicate_id_error(record.position, first, batch.source_format)
    return None


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


def api_token_create(
    *,
    user: Any,
    name: str,
    scopes: Iterable[str] = (ApiToken.Scope.READ, ApiToken.Scope.UPLOAD),
    days: int | None = None,
) -> tuple[ApiToken, str]:
    """Create a token valid for `days` (default VEIL_API_TOKEN_DAYS); the plain key is
    returned once and never stored, only its SHA-256."""
    scopes = sorted(set(scopes))
    if not scopes or not set(scopes) <= set(ApiToken.Scope.values):
        raise ValueError(f"Choose the token's scopes from {', '.join(ApiToken.Scope.values)}.")
    default_days: int = getattr(settings, "VEIL_API_TOKEN_DAYS", DEFAULT_TOKEN_DAYS)
    lifetime = days or default_days
    if not 1 <= lifetime <= MAX_TOKEN_DAYS:
        raise ValueError(f"A token is valid for 1 to {MAX_TOKEN_DAYS} days.")
    key = "veil_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name.strip() or "api",
            prefix=key[:12],
            key_hash=_key_hash(key),
            scopes=scopes,
            expires_at=timezone.now() + timedelta(days=lifetime),
        )
        audit_log(
            actor=user, action="api_token.created", target=token,
            payload={"prefix": token.prefix, "scopes": scopes, "days": lifetime},
        )
    return token, key


def api_token_revoke(*, actor: Any, token: ApiToken) -> None:
    """Revoke a token (the caller checked `actor` may); revoking twice changes nothing."""
    with transaction.atomic():
        updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if updated:
            audit_log(
                actor=actor, action="api_token.revoked", target=token,
                payload={"prefix": token.prefix, "user_id": token.user_id},
            )
    token.refresh_from_db(fields=["revoked_at"])


def api_token_authenticate(key: str) -> ApiToken | None:
    """The live token with this key (not revoked, not expired, its user active), its last
    use recorded; None otherwise."""
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_key_hash(key), revoked_at__isnull=True, user__is_active=True)
        .exclude(expires_at__lte=now)
        .first()
    )
    if token is None:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class IdempotencyRefused(Exception):
    """This request may not use its Idempotency-Key; `status` is the HTTP answer's."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def idempotency_claim(*, user: Any, key: str, request_sha256: str) -> IdempotencyKey:
    """The user's key for this request: a new claim (no batch, no response yet), or the
    earlier request's to answer with again. Raises IdempotencyRefused when the key came with
    another request (422) or its first request is still running (409). Keys are forgotten
    after IDEMPOTENCY_WINDOW; a claim abandoned (its request crashed) before storing a batch
    is taken over after IDEMPOTENCY_ABANDONED."""
    now = timezone.now()
    with transaction.atomic():
        IdempotencyKey.objects.filter(user=user, created_at__lte=now - IDEMPOTENCY_WINDOW).delete()
        claim, created = IdempotencyKey.objects.select_for_update().get_or_create(
            user=user, key=key, defaults={"request_sha256": request_sha256, "created_at": now}
        )
        if created:
            return claim
        if claim.request_sha256 != request_sha256:
            raise IdempotencyRefused(
                "This Idempotency-Key was already used with a different request.", 422
            )
        if claim.response_status is None and claim.batch_id is None:
            if claim.created_at > now - IDEMPOTENCY_ABANDONED:
                raise IdempotencyRefused(
                    "A request with this Idempotency-Key is still being processed.", 409
                )
            claim.created_at = now
            claim.save(update_fields=["created_at"])
    return claim


def idempotency_finish(*, claim: IdempotencyKey, status: int, body: dict[str, Any]) -> None:
    claim.response_status, claim.response_body = status, body
    claim.save(update_fields=["response_status", "response_body"])


def idempotency_release(*, claim: IdempotencyKey) -> None:
    """The request failed unexpectedly and stored nothing: the key may be used again."""
    IdempotencyKey.objects.filter(pk=claim.pk, batch__isnull=True).delete()


def user_create_with_role(*, username: str, password: str, role: str, email: str = "") -> Any:
    """A user in one role group (the groups come from migrations)."""
    if role not in roles.ROLES:
        raise ValueError(f"Unknown role {role!r}.")
    group = Group.objects.get(name=role)
    user = get_user_model().objects.create_user(username=username, password=password, email=email)
    user.groups.add(group)
    return user
