/* The policy editor: each row shows the parameter fields of the operator chosen in it.
 *
 * A parameter cell says which operators read it (data-ops) and, for generalize, which kinds of
 * value (data-kinds); the row's kind of value is its entity type, or for a column the "Values
 * are" choice, else the column name in capitals (data-label). The server renders the same
 * choice; it also checks the row on every change (htmx posts the form to the validate
 * endpoint and swaps the row with its errors), and it alone decides what is saved.
 */
(function () {
  "use strict";
  // htmx copies "style" between old and new elements while settling; under our CSP that
  // would be refused, and rows never need it.
  if (window.htmx) window.htmx.config.attributesToSettle = ["class", "width", "height"];

  function rowLabel(row) {
    var kind = row.querySelector("select[name$='-entity_type']");
    if (kind && kind.value) return kind.value;
    var named = row.querySelector("input[type=text][name$='-type'], input[type=text][name$='-column']");
    if (named) return named.value.trim().toUpperCase();
    return row.getAttribute("data-label") || "";
  }

  function sync(row) {
    var op = row.querySelector("select.op");
    if (!op) return;
    var label = rowLabel(row);
    row.querySelectorAll(".param").forEach(function (cell) {
      var ops = (cell.getAttribute("data-ops") || "").split(" ");
      var kinds = (cell.getAttribute("data-kinds") || "").split(" ").filter(Boolean);
      var show = ops.indexOf(op.value) >= 0 && (!kinds.length || kinds.indexOf(label) >= 0);
      cell.hidden = !show;
    });
  }

  function onChange(e) {
    var row = e.target.closest && e.target.closest(".rule-row");
    if (row) sync(row);
  }

  document.addEventListener("change", onChange);
  document.addEventListener("input", onChange);
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".rule-row").forEach(sync);
  });
})();
