"""The role homes in real headless Chromium: the officer's charts are drawn by Chart.js from
the page's JSON, and what Chart.js holds (`Chart.getChart(canvas).data`) equals the table view
beside each chart and the data made here; no CSP violation, no console error. The walk over
every role's home saves a screenshot of each to test-artifacts/screenshots (dash_*.png)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from anonymizer.exports import services as exports
from anonymizer.models import DetectedSpan
from anonymizer.policies.selectors import default_policy
from review.services import queue_prepare_for_run
from tests.browser.conftest import login, screenshot
from tests.dashboards import builders as b
from tests.review.factories import detect, make_batch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Records every CSP violation the page reports, from before its first script runs.
CSP_WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""

READ_CHARTS = """
() => Array.from(document.querySelectorAll("canvas[data-chart]")).map(function (canvas) {
  var chart = Chart.getChart(canvas);
  var figure = canvas.closest("figure");
  return {
    id: figure.id,
    drawn: !!chart,
    type: chart && chart.config.type,
    labels: chart ? chart.data.labels.slice() : null,
    data: chart ? chart.data.datasets.map(function (d) { return d.data.slice(); }) : null,
    series: chart ? chart.data.datasets.map(function (d) { return d.label; }) : null,
    width: canvas.clientWidth,
    height: canvas.clientHeight,
    rows: Array.from(figure.querySelectorAll("tbody tr")).map(function (tr) {
      return [tr.querySelector("th").textContent.trim()].concat(
        Array.from(tr.querySelectorAll("td")).map(function (td) { return td.textContent.trim(); })
      );
    }),
    heads: Array.from(figure.querySelectorAll("thead th")).slice(1).map(function (th) {
      return th.textContent.trim();
    })
  };
})
"""


def number(cell: str) -> float | None:
    return None if cell == "—" else float(cell)


@pytest.fixture
def officer_data(admin_user: Any, reviewer: Any, officer: Any, make_user: Any) -> dict[str, Any]:
    """Two batches under rule set v1 (tiers 3 high, 1 medium, 2 low), decisions on their
    spans, a v2 candidate with a held-out evaluation and spans decided under it, a waiting
    escalation and a DP release."""
    second = make_user("sam_second", "privacy_officer")
    one = b.escalations_batch(admin_user, reviewer, 3, name="March tickets")
    first = b.take(reviewer)  # PERSON accepted, ORDER_ID rejected
    b.accept(reviewer, first, "PERSON")
    b.reject(reviewer, first, "ORDER_ID")
    b.submit(reviewer, first)
    b.submit(reviewer, b.take(reviewer))  # both accepted
    b.escalate(reviewer, b.take(reviewer))  # waits for an officer
    two = make_batch(admin_user, [reviewer], ["quiet", "calm", b.TEXT], name="April letters")
    draft = b.evaluated_draft(second, leak=0.0425, baseline_leak=0.081)
    run = detect(two, [("low", []), ("low", []), ("medium", [b.JANE, b.LEEDS])], prepare=False)
    DetectedSpan.objects.filter(run=run).update(ruleset_version=draft.version)
    queue_prepare_for_run(run_id=run.pk)
    third = b.take(reviewer)
    b.accept(reviewer, third, "PERSON")
    b.reject(reviewer, third, "LOCATION")
    b.dp_releases(one, [1.0], total=3.0)
    return {"draft": draft}


def test_officer_charts_hold_the_numbers_of_their_tables(
    page: Page, officer: Any, officer_data: dict[str, Any]
) -> None:
    page.add_init_script(CSP_WATCH)
    login(page, officer.username)
    page.goto("/")
    expect(page.locator("#officer")).to_be_visible()
    page.wait_for_function("document.querySelectorAll('canvas[data-drawn]').length >= 3")
    charts = {c["id"]: c for c in page.evaluate(READ_CHARTS)}
    assert set(charts) == {"chart-tiers", "chart-entities", "chart-learning"}
    for chart in charts.values():
        assert chart["drawn"] and chart["width"] > 200 and chart["height"] > 100, chart["id"]
        # The table view: one row per label, one column per dataset, the same numbers.
        assert [row[0] for row in chart["rows"]] == chart["labels"], chart["id"]
        assert chart["heads"] == chart["series"], chart["id"]
        for i, row in enumerate(chart["rows"]):
            assert [number(cell) for cell in row[1:]] == [d[i] for d in chart["data"]]
    # ... and the data made above.
    assert charts["chart-tiers"]["labels"] == ["High", "Medium", "Low"]
    assert charts["chart-tiers"]["data"] == [[3, 1, 2]]
    entities = charts["chart-entities"]
    entities = dict(zip(entities["labels"], entities["data"][0], strict=True))
    assert entities == {"Person": 4, "Order id": 3, "Place": 1}
    learning = charts["chart-learning"]
    assert learning["type"] == "line"
    v2 = officer_data["draft"].version
    assert learning["labels"] == ["v1", f"v{v2}"]
    assert learning["series"] == ["Held-out leak %", "Precision from decisions %"]
    # Leak: v1 as the baseline 8.1 %, v2 as the candidate 4.25 %. Precision: v1 3 of 4
    # machine spans accepted, v2 1 of 2.
    assert learning["data"] == [[8.1, 4.25], [75.0, 50.0]]
    # The table is behind a toggle; opened, it is there for everyone.
    page.locator("#chart-learning summary").click()
    expect(page.locator("#chart-learning table caption")).to_have_text(
        "Learning curve: leak and precision per rule-set version (%)"
    )
    expect(page.locator("#chart-learning canvas")).to_have_attribute("role", "img")
    label = page.locator("#chart-tiers canvas").get_attribute("aria-label") or ""
    assert "High: 3 records; Medium: 1 records; Low: 2 records" in label
    assert page.evaluate("window.__csp") == []
    assert page.console_errors == []  # type: ignore[attr-defined]
    screenshot(page, "dash_officer")


def test_every_roles_home_in_a_walk(
    page: Page,
    admin_user: Any,
    reviewer: Any,
    officer: Any,
    make_user: Any,
    settings: Any,
    tmp_path: Any,
) -> None:
    """A screenshot of each home, for people to look at; each page draws its charts cleanly."""
    both = make_user("bea_both", "reviewer")
    both.groups.add(Group.objects.get(name="privacy_officer"))
    batch = b.escalations_batch(admin_user, reviewer, 4, name="March tickets")
    b.escalations_batch(admin_user, both, 2, name="Bea's batch")
    b.submit(reviewer, b.take(reviewer))
    b.resolve(officer, b.officer_take(officer, b.escalate(reviewer, b.take(reviewer))))
    make_batch(admin_user, [reviewer], ["x"], name="Just uploaded")
    b.dp_releases(batch, [0.5], total=2.0)
    settings.VEIL_EXPORT_DIR = tmp_path
    done = exports.export_start(
        actor=admin_user, batch=batch, policy=default_policy(), enqueue=False
    )
    exports.run_export(done.pk)
    exports.export_start(actor=admin_user, batch=batch, policy=default_policy(), enqueue=False)
    page.add_init_script(CSP_WATCH)
    for user, sections in (
        (reviewer, ["#reviewer"]),
        (admin_user, ["#admin", "#admin-exports"]),
        (both, ["#reviewer", "#officer"]),
    ):
        page.context.clear_cookies()
        login(page, user.username)
        page.goto("/")
        for section in sections:
            expect(page.locator(section)).to_be_visible()
        drawn = page.locator("canvas[data-chart]").count()
        page.wait_for_function(
            f"document.querySelectorAll('canvas[data-drawn]').length === {drawn}"
        )
        assert page.evaluate("window.__csp") == [], user.username
        screenshot(page, f"dash_{user.username}")
    assert page.console_errors == []  # type: ignore[attr-defined]
