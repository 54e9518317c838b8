"""The export tests' shared setup: a batch of 90 records exported in chunks of 8."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from anonymizer.exports import reading
from tests.exports_bench.test_export_parallel import make_export_setup


@pytest.fixture
def setup(admin_user: Any, reviewer: Any, officer: Any, make_user: Any,
          monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path) -> Any:
    monkeypatch.setattr(reading, "CHUNK", 8)  # 90 records: a dozen chunks
    settings.VEIL_EXPORT_DIR = str(tmp_path / "exports")
    return make_export_setup(admin_user, reviewer, officer, make_user)
