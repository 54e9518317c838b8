"""A spaCy pipeline directory as a versioned artefact: one sha256 over its files.

The digest covers every regular file under the directory, in sorted relative-path order: for
each, the path (POSIX form, UTF-8), a NUL byte, the file's own sha256 digest and a NUL byte.
Renaming, adding, removing or changing any file changes it; file times and permissions do not.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

_CHUNK = 1 << 20


def model_dir_sha256(path: str | Path) -> str:
    """The hex sha256 of a model directory's contents (see the module docstring)."""
    root = Path(path)
    if not root.is_dir():
        raise ValueError("the model path is not a directory")
    outer = hashlib.sha256()
    for file in sorted(p for p in root.rglob("*") if p.is_file()):
        outer.update(file.relative_to(root).as_posix().encode("utf-8") + b"\0")
        outer.update(_file_sha256(file) + b"\0")
    return outer.hexdigest()


def verify_model_dir(path: str | Path, expected_sha256: str) -> None:
    """ValueError unless the directory's digest is the expected one."""
    actual = model_dir_sha256(path)
    if actual != expected_sha256.lower():
        raise ValueError(
            f"model directory checksum mismatch: expected {expected_sha256[:12]}..., "
            f"found {actual[:12]}..."
        )


def _file_sha256(file: Path) -> bytes:
    digest = hashlib.sha256()
    with file.open("rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.digest()
