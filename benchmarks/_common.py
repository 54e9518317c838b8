"""What the database benchmarks share: the synthetic demo tickets as a CSV file, their import as
a batch through the real code path, and a bare batch row for loads that bypass the import.

Import this module at the top of a script; call its functions only after `_django.setup()`,
which puts the repository root on sys.path and configures Django: each imports what it needs
from the project inside itself for that reason.
"""

from __future__ import annotations

from typing import Any

# How anonymizer.batches.demo.tickets_to_csv lays the tickets out: one a row, text in "text".
DEMO_CSV: dict[str, Any] = {
    "source_format": "csv",
    "text_columns": ["text"],
    "id_column": "ticket_id",
}
DATA_CLASS = "personal"
PURPOSE = "theme_analysis"


def demo_csv(records: int, *, seed: int) -> tuple[list[dict[str, Any]], bytes]:
    """`records` synthetic support tickets, reproducible by seed, and the CSV file of them."""
    # Only after _django.setup(), which puts the repository root on sys.path.
    from anonymizer.batches.demo import demo_tickets, tickets_to_csv

    tickets = demo_tickets(records, seed=seed)
    return tickets, tickets_to_csv(tickets)


def import_demo_batch(*, actor: Any, data: bytes, name: str) -> Any:
    """The demo tickets' CSV file imported as a batch, the way an upload imports it."""
    # Django-dependent: needs _django.setup() first.
    from anonymizer.batches import services

    return services.batch_import(
        actor=actor, data=data, name=name, data_class=DATA_CLASS, purpose=PURPOSE, **DEMO_CSV
    )


def bare_batch(*, name: str, source_format: str, record_count: int, created_by: Any,
               **fields: Any) -> Any:
    """A SourceBatch row written directly, with no file behind it, for records written by hand."""
    # Django-dependent: needs _django.setup() first.
    from anonymizer.models import SourceBatch

    return SourceBatch.objects.create(
        name=name,
        data_class=DATA_CLASS,
        purpose=PURPOSE,
        source_format=source_format,
        source_sha256="0" * 64,
        record_count=record_count,
        created_by=created_by,
        **fields,
    )
