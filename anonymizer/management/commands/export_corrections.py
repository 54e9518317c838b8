from __future__ import annotations

import json
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from anonymizer.models import SourceBatch
from anonymizer.rulesets.learning import corrections, gold_documents, reviewed_items


class Command(BaseCommand):
    help = (
        "Write training data from review: the reviewed span set of every reviewed record as "
        "gold (JSONL with text and spans, or a spaCy DocBin), and print the corrections found. "
        "The output holds raw text: keep it where the originals are kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["jsonl", "spacy"], default="jsonl")
        parser.add_argument("--output", required=True)
        parser.add_argument("--batch", action="append", default=[], help="Limit to batches.")

    def handle(self, *args: Any, **opts: Any) -> None:
        batch_ids = None
        if opts["batch"]:
            try:
                ids = [uuid.UUID(b) for b in opts["batch"]]
            except ValueError:
                raise CommandError("--batch takes batch ids.") from None
            batch_ids = list(
                SourceBatch.objects.filter(public_id__in=ids).values_list("id", flat=True)
            )
        items = reviewed_items(batch_ids)
        docs = gold_documents(items)
        output = Path(opts["output"])
        output.parent.mkdir(parents=True, exist_ok=True)
        if opts["format"] == "jsonl":
            with output.open("w", encoding="utf-8") as handle:
                for doc in docs:
                    handle.write(json.dumps(doc, ensure_ascii=False) + "\n")
        else:
            self._docbin(docs, output)
        kinds = Counter(c.kind for c in corrections(items))
        self.stdout.write(
            f"{len(docs)} reviewed records written to {output} ({opts['format']}); corrections: "
            + (", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) or "none")
        )

    def _docbin(self, docs: list[dict[str, Any]], output: Path) -> None:
        # spaCy takes about a second to import: only a DocBin export pays for it.
        import spacy
        from spacy.tokens import DocBin

        nlp = spacy.blank("en")
        bin_ = DocBin(store_user_data=False)
        for doc in docs:
            d = nlp.make_doc(doc["text"])
            ents = []
            for s in doc["spans"]:
                span = d.char_span(s["start"], s["end"], label=s["label"], alignment_mode="expand")
                if span is not None and not any(
                    span.start < e.end and e.start < span.end for e in ents
                ):
                    ents.append(span)
            d.ents = ents
            bin_.add(d)
        bin_.to_disk(output)
