"""The export list (/exports/): status, batch, policy, who and date filters, sorts, pages; the
same permission as the export pages; a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from anonymizer.batches import services
from anonymizer.exports import selectors
from anonymizer.models import ExportedDataset
from anonymizer.policies.selectors import default_policy
from tests.lists.conftest import cells, client_for

pytestmark = pytest.mark.django_db
CSV = b"id,body\nA1,Zelda Quux-Secretaria called\n"


def batch(admin: Any, name: str) -> Any:
    return services.batch_import(
        actor=admin, data=CSV, name=name, source_format="csv", text_columns=["body"],
        id_column="id", data_class="personal", purpose="theme_analysis",
    )  # fmt: skip


def export(b: Any, actor: Any, status: str = "done", days_ago: int = 0) -> ExportedDataset:
    e = ExportedDataset.objects.create(batch=b, policy=default_policy(), status=status,
                                       created_by=actor, records_total=1)  # fmt: skip
    if days_ago:
        ExportedDataset.objects.filter(pk=e.pk).update(
            created_at=timezone.now() - timedelta(days=days_ago)
        )
    return e


def listing(user: Any, **params: Any) -> str:
    response = client_for(user).get(reverse("export_list"), params)
    assert response.status_code == 200
    return response.content.decode()


def rows(html: str) -> list[str]:
    return cells(html, "export")


@pytest.fixture
def exports(admin_user: Any, make_user: Any) -> dict[str, Any]:
    other_admin = make_user("ada_admin", "admin")
    first, second = batch(admin_user, "Alpha"), batch(admin_user, "Beta")
    return {
        "done": export(first, admin_user),
        "failed": export(first, other_admin, "failed", days_ago=10),
        "queued": export(second, admin_user, "queued", days_ago=3),
        "first": first, "second": second, "other_admin": other_admin,
    }  # fmt: skip


def test_filters(exports: dict, admin_user: Any, officer: Any) -> None:
    assert len(rows(listing(officer))) == 3
    failed = rows(listing(admin_user, status="failed"))
    assert len(failed) == 1 and str(exports["failed"].public_id)[:8] in failed[0]
    assert len(rows(listing(admin_user, batch=str(exports["first"].public_id)))) == 2
    assert len(rows(listing(admin_user, created_by=exports["other_admin"].pk))) == 1
    assert len(rows(listing(admin_user, policy=str(default_policy().public_id)))) == 3
    assert rows(listing(admin_user, policy="1b4e28ba-2fa1-11d2-883f-0016d3cca427")) == []
    week_ago = (timezone.localdate() - timedelta(days=7)).isoformat()
    assert len(rows(listing(admin_user, date_from=week_ago))) == 2
    assert len(rows(listing(admin_user, date_to=week_ago))) == 1
    assert "No exports match" in listing(admin_user, status="running")
    assert len(rows(listing(admin_user, status="x", batch="y", created_by="z"))) == 3


def test_sorts_and_pages(exports: dict, admin_user: Any, monkeypatch: pytest.MonkeyPatch):
    status = [r.split('data-status="')[1].split('"')[0] for r in rows(listing(admin_user))]
    assert status == ["done", "queued", "failed"]
    oldest = [r.split('data-status="')[1].split('"')[0]
              for r in rows(listing(admin_user, sort="oldest"))]  # fmt: skip
    assert oldest == ["failed", "queued", "done"]
    by_batch = rows(listing(admin_user, sort="batch"))
    assert ["Alpha" in r for r in by_batch] == [True, True, False]
    monkeypatch.setattr(selectors, "EXPORTS_PER_PAGE", 2)
    first = listing(admin_user, sort="oldest")
    assert len(rows(first)) == 2 and "Page 1 of 2" in first and "?sort=oldest&page=2" in first
    assert len(rows(listing(admin_user, sort="oldest", page=2))) == 1


def test_same_permission_as_the_export_pages(exports: dict, reviewer, outsider) -> None:
    for user in (reviewer, outsider):
        response = client_for(user).get(reverse("export_list"))
        assert response.status_code == 403 and b"Alpha" not in response.content


def test_query_count_does_not_grow(admin_user: Any) -> None:
    client = client_for(admin_user)
    client.get(reverse("export_list"))
    b = batch(admin_user, "Gamma")
    export(b, admin_user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("export_list")).status_code == 200
        return len(captured)

    few = queries()
    for i in range(8):
        export(batch(admin_user, f"More {i}"), admin_user)
    assert queries() == few
