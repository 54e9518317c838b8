"""An export reads its batch once where memory allows (reading.ReadOnce keeps the first pass's
chunks, up to a budget, for the second): the chunks, the files and the figures are what
reading twice gives; and the vault's straight COPY falls back to INSERT ... ON CONFLICT when
a token was stored meanwhile."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from anonymizer.exports import files, reading, vault
from anonymizer.exports.keys import vault_fernet
from anonymizer.models import VaultEntry
from tests.exports_bench.test_export_parallel import tally_of

pytestmark = pytest.mark.django_db


def unpickled(chunks: Any) -> list[Any]:
    return [(n, pickle.loads(blob)) for n, blob in chunks]


@pytest.mark.parametrize("keep", [0, 5, 12])  # chunks that fit in the budget: none, some, all
def test_both_passes_get_the_chunks_reading_gives(setup: Any, keep: int) -> None:
    batch, _ = setup
    expected = [(len(rows), (rows, spans))
                for rows, spans in reading.raw_chunks(batch, files.RECORD_FIELDS)]
    assert len(expected) == 12 and sum(n for n, _ in expected) == 90
    assert sum(len(s) for _, (_, spans) in expected for s in spans.values()) > 200
    sizes = [len(pickle.dumps(c, protocol=pickle.HIGHEST_PROTOCOL)) for _, c in expected]
    chunks = reading.ReadOnce(batch, files.RECORD_FIELDS, sum(sizes[:keep]) + 1)
    assert unpickled(chunks.first()) == expected
    assert len(chunks._kept) == keep
    assert unpickled(chunks.second()) == expected  # the kept ones, then the rest read again
    assert not chunks._kept  # let go of


def test_reading_once_or_twice_writes_and_counts_the_same(
    setup: Any, admin_user: Any, settings: Any, tmp_path: Path,
) -> None:
    batch, policy = setup
    tallies = {}
    for workers in (0, 2):
        for mb in (0, 1):  # read twice; read once
            settings.VEIL_EXPORT_WORKERS, settings.VEIL_EXPORT_READ_ONCE_MB = workers, mb
            tallies[workers, mb] = tally_of(admin_user, batch, policy,
                                            tmp_path / f"w{workers}-mb{mb}")
    for name in files.RECORD_FILES:
        texts = {(tmp_path / f"w{w}-mb{mb}" / name).read_bytes() for w, mb in tallies}
        assert len(texts) == 1 and len(texts.pop()) > 10_000
    twice, once = tallies[0, 0], tallies[2, 1]
    assert list(twice.vault.items()) == list(once.vault.items())
    assert twice.residual.summary() == once.residual.summary()
    assert twice.residual.summary()["occurrences_found"] > 0
    assert (twice.changes, twice.column_counts, twice.raw_rows) == (
        once.changes, once.column_counts, once.raw_rows)


def test_the_vault_copy_falls_back_when_a_token_was_stored_meanwhile() -> None:
    fernet, now = vault_fernet(), timezone.now()
    vault.vault_store_many("race", {"PERSON_A": ("PERSON", "stored first")})
    rows = [("race", token, "PERSON", fernet.encrypt(original.encode()), now)
            for token, original in (("PERSON_B", "bee"), ("PERSON_A", "came second"),
                                    ("PERSON_C", "sea"))]
    with transaction.atomic(), connection.cursor() as cursor:
        vault.store_rows(cursor, rows)  # PERSON_A is there: the COPY fails, the insert does not
    stored = {e.token: fernet.decrypt(bytes(e.ciphertext)).decode()
              for e in VaultEntry.objects.filter(linkage_domain="race")}
    assert stored == {"PERSON_A": "stored first", "PERSON_B": "bee", "PERSON_C": "sea"}


def test_the_vault_copy_stores_new_tokens_straight() -> None:
    entries = {f"PERSON_{i:04d}": ("PERSON", f"Name {i}") for i in range(300)}
    ciphers = {"PERSON_0001": vault_fernet().encrypt(b"Name 1")}
    vault.vault_store_many("straight", entries, ciphers)
    rows = VaultEntry.objects.filter(linkage_domain="straight")
    assert rows.count() == 300
    assert bytes(rows.get(token="PERSON_0001").ciphertext) == ciphers["PERSON_0001"]
    assert vault_fernet().decrypt(bytes(rows.get(token="PERSON_0299").ciphertext)) == b"Name 299"
