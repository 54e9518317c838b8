"""Policies and rule sets as code: versioned files (JSON or YAML) a team keeps in version
control. A file holds one document:

    kind: veil.ruleset            # or veil.policy
    format: 1                     # this file layout's version
    name / version / notes ...    # what the kind needs
    body: {...}                   # the configuration itself
    sha256: ...                   # of the body's canonical JSON, to catch hand edits that
                                  # broke it (a changed body with an updated digest is fine)

Importing never activates or approves anything: it creates a draft, which still needs a second
person (four eyes). YAML is read with the safe loader only."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import yaml
from django.http import HttpResponse

FORMAT = 1
MAX_FILE_BYTES = 2 * 1024 * 1024
FORMATS = ("json", "yaml")


class _PlainYaml(yaml.SafeLoader):
    """The safe loader without anchors and aliases: a few lines of aliases can stand for a
    document billions of nodes long (and the body's digest would write it all out)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("aliases are not allowed")
        return super().compose_node(parent, index)


class FileError(ValueError):
    """The file is not a document Veil can import. The message holds no file contents."""


def body_digest(body: Any) -> str:
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    ).hexdigest()


def dump(kind: str, fields: dict[str, Any], body: Any, fmt: str = "json") -> str:
    document = {"kind": kind, "format": FORMAT, **fields, "body": body,
                "sha256": body_digest(body)}
    if fmt == "yaml":
        return str(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def load(data: bytes, kind: str) -> dict[str, Any]:
    """The document in `data` (JSON or YAML), checked: its kind, format and body digest."""
    if len(data) > MAX_FILE_BYTES:
        raise FileError(f"The file is larger than {MAX_FILE_BYTES // 1024} KiB.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileError(f"The file is not UTF-8 (byte {exc.start}).") from None
    try:
        document = (json.loads(text) if text.lstrip().startswith("{")
                    else yaml.load(text, Loader=_PlainYaml))  # noqa: S506 - a safe loader
    except (ValueError, yaml.YAMLError, RecursionError):
        raise FileError("The file is neither valid JSON nor valid YAML (without aliases), "
                        "or it is nested too deeply.") from None
    if not isinstance(document, dict):
        raise FileError("The file must hold one object.")
    if document.get("kind") != kind:
        raise FileError(f"This is not a {kind} file.")
    if document.get("format") != FORMAT:
        raise FileError(f"Unknown file format {document.get('format')!r}; expected {FORMAT}.")
    if "body" not in document:
        raise FileError("The file has no body.")
    digest = document.get("sha256")
    if digest is not None and digest != body_digest(document["body"]):
        raise FileError("The body does not match its sha256: the file was changed or cut. "
                        "Update or remove the sha256 line if the change was meant.")
    return document


def file_response(request: Any, render: Callable[[str], str], stem: str) -> HttpResponse:
    """The document `render(fmt)` writes as an attachment `stem.json` (or `.yaml` with
    ?format=yaml): what the policy and rule-set pages download."""
    fmt = "yaml" if request.GET.get("format") == "yaml" else "json"
    response = HttpResponse(
        render(fmt), content_type="application/yaml" if fmt == "yaml" else "application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response


def uploaded(request: Any) -> bytes | None:
    """The bytes of the form's `file`, read no further than one byte past MAX_FILE_BYTES (so
    that load() can refuse it), or None when no file came."""
    upload = request.FILES.get("file")
    return None if upload is None else upload.read(MAX_FILE_BYTES + 1)
