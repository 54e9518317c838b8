/* Veil review page: keyboard shortcuts, span focus, selection -> offsets, help overlay.
 *
 * Every change goes to the server as an htmx form post; the page shows it done only when the
 * server answers with the updated workspace, i.e. after the transaction committed. Offsets are
 * counted in Unicode code points, like Python's str, not in UTF-16 units like JavaScript's.
 * Typed search text has no form name: it never leaves the browser, only offsets do.
 * Ids, classes, data-attributes, action names, modes and span statuses all come from the page's
 * DOM contract (review.rendering.DOM, as JSON from templates/review/_assets.html), not literals.
 */
(function () {
  "use strict";

  // htmx copies "style" between old and new elements while settling; under our CSP
  // (style-src 'self') that is refused and reported. Nothing here needs it.
  if (window.htmx) window.htmx.config.attributesToSettle = ["class", "width", "height"];

  var contract = document.getElementById("review-dom"); // review.rendering.Ids.contract
  if (!contract) return;
  var DOM = JSON.parse(contract.textContent);
  var ID = DOM.ids, CLS = DOM.classes, DATA = DOM.data, ACT = DOM.actions;
  var MODE = DOM.modes, STATUS = DOM.statuses;

  var busy = false;
  var current = null; // id of the span in focus (string)
  var lastAction = null;

  function $(id) { return document.getElementById(id); }
  function workspace() { return $(ID.workspace); }
  function mode() { var w = workspace(); return w ? w.dataset[DATA.mode] : null; }
  function rows() { return Array.from(document.querySelectorAll("#" + ID.span_list + " ." + CLS.span_row)); }
  function spanOf(el) { return el.dataset[DATA.span]; }
  function hasData(key) { return "[data-" + key + "]"; }
  function cpLen(s) { return Array.from(s).length; }

  function flash(message, kind) {
    var box = $(ID.flash);
    if (!box) return;
    box.textContent = "";
    var span = document.createElement("span");
    span.className = kind || CLS.refused;
    span.textContent = message;
    box.appendChild(span);
  }

  // --- Span focus ------------------------------------------------------------------------

  function select(id, scroll) {
    var focused = "." + CLS.span_row + "." + CLS.current + ", mark." + CLS.current;
    document.querySelectorAll(focused).forEach(function (el) {
      el.classList.remove(CLS.current);
      el.removeAttribute("aria-current");
    });
    var row = id ? $(ID.row_prefix + id) : null;
    current = row ? id : null;
    if (row) {
      row.classList.add(CLS.current);
      row.setAttribute("aria-current", "true");
      var mark = $(ID.mark_prefix + id);
      if (mark) mark.classList.add(CLS.current);
      if (scroll) {
        row.scrollIntoView({ block: "nearest" });
        if (mark) mark.scrollIntoView({ block: "nearest" });
      }
    }
    updateEditor(row);
  }

  function updateEditor(row) {
    document.querySelectorAll("." + CLS.editor_span).forEach(function (input) {
      input.value = row ? spanOf(row) : "";
    });
    var label = $(ID.relabel_label), start = $(ID.adjust_start), end = $(ID.adjust_end);
    var name = $(ID.editor_current);
    var d = row ? row.dataset : null;
    if (label && row) label.value = d[DATA.label];
    if (start) start.value = row ? d[DATA.start] : "";
    if (end) end.value = row ? d[DATA.end] : "";
    if (name) {
      name.textContent = row ? d[DATA.label] + " at " + d[DATA.start] + "–" + d[DATA.end] : "none";
    }
  }

  function move(delta) {
    var list = rows();
    if (!list.length) return;
    var i = list.findIndex(function (r) { return spanOf(r) === current; });
    if (i < 0) i = delta > 0 ? 0 : list.length - 1;
    else i = Math.min(list.length - 1, Math.max(0, i + delta));
    select(spanOf(list[i]), true);
  }

  function nextPending(afterId) {
    var list = rows();
    var i = list.findIndex(function (r) { return spanOf(r) === afterId; });
    var ordered = list.slice(i + 1).concat(list.slice(0, i + 1));
    var found = ordered.find(isPending);
    return found ? spanOf(found) : null;
  }

  function isPending(row) { return row.dataset[DATA.status] === STATUS.pending; }

  function currentRow() { return current ? $(ID.row_prefix + current) : null; }

  function decide(action) {
    var row = currentRow();
    if (!row) { flash("Choose a span first (j / k)."); return; }
    var button = row.querySelector("." + CLS.action_prefix + action);
    if (button) { lastAction = "span-decision"; button.click(); }
  }

  // --- Selection and search -> offsets ---------------------------------------------------

  function textBox() { return $(ID.record_text); }

  function pieceOffset(piece) { return parseInt(piece.dataset[DATA.offset], 10); }

  function pointOffset(node, offset) {
    var box = textBox();
    if (node.nodeType === Node.TEXT_NODE) {
      var piece = node.parentElement.closest(hasData(DATA.offset));
      if (!piece || !box.contains(piece)) return null;
      return pieceOffset(piece) + cpLen(node.data.slice(0, offset));
    }
    if (node === box) {
      var child = box.childNodes[offset];
      return child && child.dataset ? pieceOffset(child) : cpLen(box.textContent);
    }
    var el = node.closest ? node.closest(hasData(DATA.offset)) : null;
    if (!el || !box.contains(el)) return null;
    return offset === 0 ? pieceOffset(el) : pieceOffset(el) + cpLen(el.textContent);
  }

  function selectionOffsets() {
    var sel = window.getSelection();
    var box = textBox();
    if (!box || !sel || sel.isCollapsed || !sel.rangeCount) return null;
    var range = sel.getRangeAt(0);
    if (!box.contains(range.startContainer) || !box.contains(range.endContainer)) return null;
    var start = pointOffset(range.startContainer, range.startOffset);
    var end = pointOffset(range.endContainer, range.endOffset);
    if (start === null || end === null || end <= start) return null;
    return { start: start, end: end, text: range.toString() };
  }

  function setAdd(found, shown) {
    var start = $(ID.add_start), end = $(ID.add_end), where = $(ID.add_where), find = $(ID.add_find);
    if (!start) return;
    start.value = found ? found.start : "";
    end.value = found ? found.end : "";
    if (find && shown !== undefined) find.value = shown;
    if (where) where.textContent = found ? "offsets " + found.start + "–" + found.end : (find && find.value ? "not found in the text" : "");
  }

  function findText(query) {
    var box = textBox();
    if (!box || !query) return null;
    var text = box.textContent;
    var from = 0;
    var idx = text.indexOf(query, from);
    var covered = function (s, e) {
      return rows().some(function (r) {
        var d = r.dataset;
        return d[DATA.status] !== STATUS.rejected && +d[DATA.start] < e && +d[DATA.end] > s;
      });
    };
    var first = null;
    while (idx >= 0) {
      var start = cpLen(text.slice(0, idx));
      var found = { start: start, end: start + cpLen(query) };
      if (!first) first = found;
      if (!covered(found.start, found.end)) return found;
      idx = text.indexOf(query, idx + 1);
    }
    return first;
  }

  function startAdd() {
    var find = $(ID.add_find);
    if (!find) return;
    var picked = selectionOffsets();
    if (picked) {
      setAdd(picked, picked.text);
      $(ID.add_label).focus();
    } else {
      find.focus();
      find.select();
    }
  }

  // --- Help overlay ----------------------------------------------------------------------

  function helpOpen() { var h = $(ID.help_box); return h && !h.hidden; }
  function toggleHelp(show) {
    var help = $(ID.help_box);
    if (!help) return;
    help.hidden = !show;
    if (show) $(ID.help_close).focus();
  }

  // --- Keys ------------------------------------------------------------------------------

  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  function submitForm(id) {
    var form = $(id);
    if (form) { lastAction = id; form.requestSubmit(); }
  }

  function clickId(id) { var b = $(id); if (b && !b.disabled) { lastAction = id; b.click(); } }

  function onTypingKey(e) {
    var t = e.target;
    if (e.key === "Escape") { t.blur(); e.preventDefault(); return; }
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && t.form) {
      e.preventDefault();
      sendNote(t);
      return;
    }
    if (e.key === "Enter" && t.tagName === "SELECT" && t.form) {
      e.preventDefault();
      lastAction = t.form.id;
      t.form.requestSubmit();
    }
  }

  // The officer's form names its action on each button (comment, return, resolve), so it is
  // sent by clicking one: a bare requestSubmit() would post no action, and htmx only sends the
  // button it saw clicked. Ctrl+Enter sends the action u asked a note for, else the first
  // button (comment), like Enter on a form in any browser.
  var noteAction = null;

  function sendNote(field) {
    var form = field.form;
    var chosen = field.id === ID.officer_note && noteAction ? $(noteAction) : null;
    var button = chosen || form.querySelector("button[type=submit]");
    noteAction = null;
    lastAction = form.id;
    if (button && !button.disabled) button.click();
    else form.requestSubmit();
  }

  function officerNoteFirst(buttonId) {
    var note = $(ID.officer_note);
    if (buttonId === ID.officer_return && note && !note.value.trim()) {
      noteAction = buttonId;
      note.focus();
      flash("Write what the reviewer should do, then press Ctrl+Enter or u again.", CLS.hint);
      return;
    }
    noteAction = null;
    clickId(buttonId);
  }

  var KEYS = {}; // by the workspace's mode
  KEYS[MODE.review] = {
    j: function () { move(1); }, ArrowDown: function () { move(1); },
    k: function () { move(-1); }, ArrowUp: function () { move(-1); },
    a: function () { decide(ACT.accept); },
    x: function () { decide(ACT.reject); },
    t: function () { if (currentRow()) $(ID.relabel_label).focus(); },
    b: function () { if (currentRow()) { $(ID.adjust_start).focus(); $(ID.adjust_start).select(); } },
    n: startAdd,
    A: function () { submitForm(ID.accept_all_form); },
    s: function () { submitForm(ID.submit_form); },
    e: function () { $(ID.escalate_note).focus(); },
  };
  KEYS[MODE.officer] = {
    c: function () { $(ID.officer_note).focus(); },
    u: function () { officerNoteFirst(ID.officer_return); },
    m: function () { officerNoteFirst(ID.officer_resolve); },
  };
  KEYS[MODE.read] = {
    t: function () { submitForm(ID.take_form); },
  };
  ["j", "k", "ArrowDown", "ArrowUp", "a", "x", "t", "b", "n", "A"].forEach(function (k) {
    KEYS[MODE.officer][k] = KEYS[MODE.review][k];
  });

  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented) return;
    if (helpOpen()) {
      if (e.key === "Escape" || e.key === "?") { toggleHelp(false); e.preventDefault(); }
      return;
    }
    if (typing(e.target)) { onTypingKey(e); return; }
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key === "?") { toggleHelp(true); e.preventDefault(); return; }
    var next = $(ID.next_form);
    if (next && e.key === "Enter" && !/^(A|BUTTON)$/.test(e.target.tagName)) {
      e.preventDefault();
      next.requestSubmit();
      return;
    }
    var table = KEYS[mode()];
    var handler = table && table[e.key];
    if (!handler) return;
    e.preventDefault();
    // One action at a time: a key pressed while the server answers runs once the answer is
    // on the page (it is never dropped, and never acts on the old page).
    if (busy) { queued = handler; return; }
    handler();
  });

  // --- Mouse -----------------------------------------------------------------------------

  document.addEventListener("click", function (e) {
    var t = e.target;
    if (t.id === ID.help_open) { toggleHelp(true); return; }
    if (t.id === ID.help_close) { toggleHelp(false); return; }
    var mark = t.closest && t.closest("mark" + hasData(DATA.span));
    if (mark) { select(spanOf(mark), false); return; }
    var row = t.closest && t.closest("." + CLS.span_row);
    if (row && !t.closest("button")) select(spanOf(row), false);
    if (row && t.closest("button")) { select(spanOf(row), false); lastAction = "span-decision"; }
  });

  document.addEventListener("mouseup", function (e) {
    var box = textBox();
    if (!box || !box.contains(e.target) || !$(ID.add_find)) return;
    var picked = selectionOffsets();
    if (picked) setAdd(picked, picked.text);
  });

  // A note asked for by u is for that action only while the officer is still writing it.
  document.addEventListener("focusout", function (e) {
    if (e.target.id === ID.officer_note) noteAction = null;
  });

  document.addEventListener("input", function (e) {
    if (e.target.id === ID.add_find) setAdd(findText(e.target.value));
  });

  // --- htmx: busy state, refusals, errors, focus after an update -------------------------

  document.addEventListener("htmx:beforeRequest", function (e) {
    var form = e.detail.elt;
    if (form && form.id === ID.add_form && !$(ID.add_start).value) {
      e.preventDefault();
      flash("Select the words in the text, or type them in the box, then choose a type.", CLS.hint);
      return;
    }
    busy = true;
    var w = workspace();
    if (w) w.classList.add(CLS.busy);
  });

  var queued = null;

  function idle() {
    busy = false;
    var w = workspace();
    if (w) w.classList.remove(CLS.busy);
    var next = queued;
    queued = null;
    if (next) next();
  }

  // The next key waits until the answer is on the page AND htmx has wired its new forms
  // (settle): a key pressed before that would submit a form natively and reload the page.
  document.addEventListener("htmx:afterSettle", function (e) {
    if (e.detail.target && e.detail.target.id === ID.workspace) idle();
  });

  document.addEventListener("htmx:afterRequest", function (e) {
    var status = e.detail.xhr ? e.detail.xhr.status : 0;
    var swaps = e.detail.successful || status === 400 || status === 409;
    if (!swaps || !e.detail.target || e.detail.target.id !== ID.workspace) idle();
  });

  document.addEventListener("htmx:beforeSwap", function (e) {
    var status = e.detail.xhr.status;
    if (status === 400 || status === 409) {
      // A refusal (stale version, lost lease, invalid input): show the server's message.
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });

  document.addEventListener("htmx:responseError", function (e) {
    flash("Not saved: the server answered " + e.detail.xhr.status + ". Reload the page.");
  });

  document.addEventListener("htmx:sendError", function () {
    idle();
    flash("Not saved: the server could not be reached. Try again.");
  });

  document.addEventListener("htmx:afterSwap", function (e) {
    if (!e.detail.target || e.detail.target.id !== ID.workspace) return;
    afterUpdate();
  });

  function afterUpdate() {
    // htmx gives the focus back to a control with the same id; the shortcuts want the page.
    var active = document.activeElement;
    if (active && active !== document.body && workspace().contains(active)) active.blur();
    var keep = current;
    if (lastAction === "span-decision" && keep) {
      select(nextPending(keep) || (keep && $(ID.row_prefix + keep) ? keep : null), true);
    } else if (keep && $(ID.row_prefix + keep)) {
      select(keep, false);
    } else {
      initialSelect();
    }
    lastAction = null;
    setAdd(null, "");
  }

  function initialSelect() {
    var list = rows();
    var first = list.find(isPending) || list[0];
    select(first ? spanOf(first) : null, false);
  }

  document.addEventListener("DOMContentLoaded", function () {
    initialSelect();
    var next = $(ID.next_button);
    if (next) next.focus();
  });
})();
