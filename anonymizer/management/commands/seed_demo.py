from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser

from anonymizer import roles
from anonymizer.batches import services
from anonymizer.batches.demo import demo_tickets, tickets_to_csv
from anonymizer.models import SourceBatch

DEMO_USERS = (
    ("demo_admin", roles.ADMIN),
    ("demo_officer", roles.PRIVACY_OFFICER),
    ("demo_reviewer", roles.REVIEWER),
    # Policies need four eyes: a second privacy officer approves what the first one writes.
    ("demo_approver", roles.PRIVACY_OFFICER),
)


class Command(BaseCommand):
    help = (
        "On an empty database: create one demo user per role (passwords printed once) and a "
        "demo batch of synthetic tickets. Does nothing when users already exist."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--records", type=int, default=200)

    def handle(self, *args: Any, **opts: Any) -> None:
        if get_user_model().objects.exists():
            self.stdout.write("Users exist already: no demo data created.")
            return
        created = {}
        for username, role in DEMO_USERS:
            password = secrets.token_urlsafe(12)
            user = services.user_create_with_role(username=username, password=password, role=role)
            created.setdefault(role, user)
            self.stdout.write(f"  {role:<16} user {username:<14} password {password}")
        if not SourceBatch.objects.exists():
            imported = services.batch_import_and_detect(
                actor=created[roles.ADMIN],
                data=tickets_to_csv(demo_tickets(opts["records"])),
                name="Demo: synthetic support tickets",
                data_class="personal",
                purpose="theme_analysis",
                source_format="csv",
                text_columns=["text"],
                id_column="ticket_id",
            )
            batch = imported.batch
            services.batch_assign_reviewers(
                actor=created[roles.ADMIN], batch=batch, reviewers=[created[roles.REVIEWER]]
            )
            self.stdout.write(f"  demo batch with {batch.record_count} records: {batch.public_id}")
            if imported.run is not None:
                self.stdout.write("  detection of the demo batch is queued for the worker")
            elif imported.detection_error:
                self.stdout.write(
                    f"  detection could not be queued ({imported.detection_error}): start it "
                    "from the batch page"
                )
        self.stdout.write("These passwords are shown only once: note them now.")
