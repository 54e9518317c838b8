"""The export's report for the officer's file: what was applied, the privacy guarantees it
reached and what it cost the data's use, from the export's manifest and its linkage tests.
Shown as a page (with charts) and downloadable as one self-contained, printable HTML file.
It holds counts, settings and figures, never record text."""

from __future__ import annotations

from typing import Any

from anonymizer.charts import Chart, Series
from anonymizer.models import ExportedDataset, LinkageTest


def _risk(manifest: dict[str, Any]) -> dict[str, Any] | None:
    tabular = manifest.get("tabular") or {}
    after = tabular.get("risk_after") or tabular.get("risk")
    if not after:
        return None
    before = tabular.get("risk_before") or {}
    return {"before": before, "after": after, "target": tabular.get("target") or {},
            "suppressed": tabular.get("suppressed"), "levels": tabular.get("level_names")}


def utility_chart(utility: dict[str, Any] | None) -> Chart | None:
    """Task accuracy on the raw and on the transformed text, side by side."""
    if not utility or utility.get("task_accuracy_raw") is None:
        return None
    raw, transformed = utility["task_accuracy_raw"], utility["task_accuracy_transformed"]
    return Chart(
        id="utility-accuracy", title="Task accuracy before and after the policy", kind="bar",
        categories=["Raw text", "Transformed text"],
        series=[Series("Accuracy %", [round(100 * raw, 1), round(100 * transformed, 1)],
                       ["muted", "accent"])],
        unit="%", column_title="Text",
        note=f"The same classifier (TF-IDF and logistic regression, cross-validated) predicting "
        f"'{utility.get('label', '')}' from each text.",
    )


def export_report(export: ExportedDataset) -> dict[str, Any]:
    manifest = dict(export.manifest or {})
    tests = list(LinkageTest.objects.filter(export=export).select_related("created_by")[:10])
    utility = manifest.get("utility")
    return {
        "export": export,
        "m": manifest,
        "risk": _risk(manifest),
        "scan": manifest.get("residual_scan") or {},
        "dp": manifest.get("differential_privacy"),
        "utility": utility,
        "utility_chart": utility_chart(utility),
        "linkage_tests": tests,
        "latest_linkage": tests[0] if tests else None,
        "surrogated": manifest.get("surrogated_types") or [],
        "operator_rows": [
            (*key.split(":", 1), n) for key, n in sorted((manifest.get("operators") or {}).items())
            if ":" in key
        ],
    }
