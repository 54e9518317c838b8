"""Set up Django for a benchmark script run from the repository root or benchmarks/."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import django
from django.apps import apps
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def setup() -> None:
    """Configure Django and migrate; does nothing when Django is already set up (tests)."""
    sys.path.insert(0, str(ROOT))
    if apps.ready:
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("VEIL_DEV", "1")
    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
