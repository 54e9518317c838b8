/* Veil review page: keyboard shortcuts, span focus, selection -> offsets, help overlay.
 *
 * Every change goes to the server as an htmx form post; the page shows it done only when the
 * server answers with the updated workspace, i.e. after the transaction committed. Offsets are
 * counted in Unicode code points, like Python's str, not in UTF-16 units like JavaScript's.
 * Typed search text has no form name: it never leaves the browser, only offsets do.
 */
(function () {
  "use strict";

  // htmx copies "style" between old and new elements while settling; under our CSP
  // (style-src 'self') that is refused and reported. Nothing here needs it.
  if (window.htmx) window.htmx.config.attributesToSettle = ["class", "width", "height"];

  var busy = false;
  var current = null; // id of the span in focus (string)
  var lastAction = null;

  function $(id) { return document.getElementById(id); }
  function workspace() { return $("workspace"); }
  function mode() { var w = workspace(); return w ? w.dataset.mode : null; }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#span-list .span-row")); }
  function cpLen(s) { return Array.from(s).length; }

  function flash(message, kind) {
    var box = $("flash");
    if (!box) return;
    box.textContent = "";
    var span = document.createElement("span");
    span.className = kind || "refused";
    span.textContent = message;
    box.appendChild(span);
  }

  // --- Span focus ------------------------------------------------------------------------

  function select(id, scroll) {
    document.querySelectorAll(".span-row.current, mark.current").forEach(function (el) {
      el.classList.remove("current");
      el.removeAttribute("aria-current");
    });
    var row = id ? $("s-" + id) : null;
    current = row ? id : null;
    if (row) {
      row.classList.add("current");
      row.setAttribute("aria-current", "true");
      var mark = $("m-" + id);
      if (mark) mark.classList.add("current");
      if (scroll) {
        row.scrollIntoView({ block: "nearest" });
        if (mark) mark.scrollIntoView({ block: "nearest" });
      }
    }
    updateEditor(row);
  }

  function updateEditor(row) {
    document.querySelectorAll(".editor-span").forEach(function (input) {
      input.value = row ? row.dataset.span : "";
    });
    var label = $("relabel-label"), start = $("adjust-start"), end = $("adjust-end");
    var name = $("editor-current");
    if (label && row) label.value = row.dataset.label;
    if (start) start.value = row ? row.dataset.start : "";
    if (end) end.value = row ? row.dataset.end : "";
    if (name) {
      name.textContent = row ? row.dataset.label + " at " + row.dataset.start + "–" + row.dataset.end : "none";
    }
  }

  function move(delta) {
    var list = rows();
    if (!list.length) return;
    var i = list.findIndex(function (r) { return r.dataset.span === current; });
    if (i < 0) i = delta > 0 ? 0 : list.length - 1;
    else i = Math.min(list.length - 1, Math.max(0, i + delta));
    select(list[i].dataset.span, true);
  }

  function nextPending(afterId) {
    var list = rows();
    var i = list.findIndex(function (r) { return r.dataset.span === afterId; });
    var ordered = list.slice(i + 1).concat(list.slice(0, i + 1));
    var found = ordered.find(function (r) { return r.dataset.status === "pending"; });
    return found ? found.dataset.span : null;
  }

  function currentRow() { return current ? $("s-" + current) : null; }

  function decide(cls) {
    var row = currentRow();
    if (!row) { flash("Choose a span first (j / k)."); return; }
    var button = row.querySelector("." + cls);
    if (button) { lastAction = "decide"; button.click(); }
  }

  // --- Selection and search -> offsets ---------------------------------------------------

  function textBox() { return $("record-text"); }

  function pieceOffset(piece) { return parseInt(piece.dataset.o, 10); }

  function pointOffset(node, offset) {
    var box = textBox();
    if (node.nodeType === Node.TEXT_NODE) {
      var piece = node.parentElement.closest("[data-o]");
      if (!piece || !box.contains(piece)) return null;
      return pieceOffset(piece) + cpLen(node.data.slice(0, offset));
    }
    if (node === box) {
      var child = box.childNodes[offset];
      return child && child.dataset ? pieceOffset(child) : cpLen(box.textContent);
    }
    var el = node.closest ? node.closest("[data-o]") : null;
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
    var start = $("add-start"), end = $("add-end"), where = $("add-where"), find = $("add-find");
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
        return r.dataset.status !== "rejected" && +r.dataset.start < e && +r.dataset.end > s;
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
    var find = $("add-find");
    if (!find) return;
    var picked = selectionOffsets();
    if (picked) {
      setAdd(picked, picked.text);
      $("add-label").focus();
    } else {
      find.focus();
      find.select();
    }
  }

  // --- Help overlay ----------------------------------------------------------------------

  function helpOpen() { var h = $("help"); return h && !h.hidden; }
  function toggleHelp(show) {
    var help = $("help");
    if (!help) return;
    help.hidden = !show;
    if (show) $("help-close").focus();
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
      lastAction = t.form.id;
      t.form.requestSubmit();
      return;
    }
    if (e.key === "Enter" && t.tagName === "SELECT" && t.form) {
      e.preventDefault();
      lastAction = t.form.id;
      t.form.requestSubmit();
    }
  }

  function officerNoteFirst(buttonId) {
    var note = $("officer-note");
    if (buttonId === "officer-return" && note && !note.value.trim()) {
      note.focus();
      flash("Write what the reviewer should do, then press Ctrl+Enter or u again.", "hint");
      return;
    }
    clickId(buttonId);
  }

  var KEYS = {
    review: {
      j: function () { move(1); }, ArrowDown: function () { move(1); },
      k: function () { move(-1); }, ArrowUp: function () { move(-1); },
      a: function () { decide("act-accept"); },
      x: function () { decide("act-reject"); },
      t: function () { if (currentRow()) $("relabel-label").focus(); },
      b: function () { if (currentRow()) { $("adjust-start").focus(); $("adjust-start").select(); } },
      n: startAdd,
      A: function () { submitForm("accept-all-form"); },
      s: function () { submitForm("submit-form"); },
      e: function () { $("escalate-note").focus(); },
    },
    officer: {
      c: function () { $("officer-note").focus(); },
      u: function () { officerNoteFirst("officer-return"); },
      m: function () { officerNoteFirst("officer-resolve"); },
    },
    read: {
      t: function () { submitForm("take-form"); },
    },
  };
  ["j", "k", "ArrowDown", "ArrowUp", "a", "x", "t", "b", "n", "A"].forEach(function (k) {
    KEYS.officer[k] = KEYS.review[k];
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
    var next = $("next-form");
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
    if (t.id === "help-open") { toggleHelp(true); return; }
    if (t.id === "help-close") { toggleHelp(false); return; }
    var mark = t.closest && t.closest("mark[data-span]");
    if (mark) { select(mark.dataset.span, false); return; }
    var row = t.closest && t.closest(".span-row");
    if (row && !t.closest("button")) select(row.dataset.span, false);
    if (row && t.closest("button")) { select(row.dataset.span, false); lastAction = "decide"; }
  });

  document.addEventListener("mouseup", function (e) {
    var box = textBox();
    if (!box || !box.contains(e.target) || !$("add-find")) return;
    var picked = selectionOffsets();
    if (picked) setAdd(picked, picked.text);
  });

  document.addEventListener("input", function (e) {
    if (e.target.id === "add-find") setAdd(findText(e.target.value));
  });

  // --- htmx: busy state, refusals, errors, focus after an update -------------------------

  document.addEventListener("htmx:beforeRequest", function (e) {
    var form = e.detail.elt;
    if (form && form.id === "add-form" && !$("add-start").value) {
      e.preventDefault();
      flash("Select the words in the text, or type them in the box, then choose a type.", "hint");
      return;
    }
    busy = true;
    var w = workspace();
    if (w) w.classList.add("busy");
  });

  var queued = null;

  function idle() {
    busy = false;
    var w = workspace();
    if (w) w.classList.remove("busy");
    var next = queued;
    queued = null;
    if (next) next();
  }

  // The next key waits until the answer is on the page AND htmx has wired its new forms
  // (settle): a key pressed before that would submit a form natively and reload the page.
  document.addEventListener("htmx:afterSettle", function (e) {
    if (e.detail.target && e.detail.target.id === "workspace") idle();
  });

  document.addEventListener("htmx:afterRequest", function (e) {
    var status = e.detail.xhr ? e.detail.xhr.status : 0;
    var swaps = e.detail.successful || status === 400 || status === 409;
    if (!swaps || !e.detail.target || e.detail.target.id !== "workspace") idle();
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
    if (!e.detail.target || e.detail.target.id !== "workspace") return;
    afterUpdate();
  });

  function afterUpdate() {
    // htmx gives the focus back to a control with the same id; the shortcuts want the page.
    var active = document.activeElement;
    if (active && active !== document.body && workspace().contains(active)) active.blur();
    var keep = current;
    if (lastAction === "decide" && keep) {
      select(nextPending(keep) || (keep && $("s-" + keep) ? keep : null), true);
    } else if (keep && $("s-" + keep)) {
      select(keep, false);
    } else {
      initialSelect();
    }
    lastAction = null;
    setAdd(null, "");
  }

  function initialSelect() {
    var list = rows();
    var pending = list.find(function (r) { return r.dataset.status === "pending"; });
    var first = pending || list[0];
    select(first ? first.dataset.span : null, false);
  }

  document.addEventListener("DOMContentLoaded", function () {
    initialSelect();
    var next = $("next-button");
    if (next) next.focus();
  });
})();
