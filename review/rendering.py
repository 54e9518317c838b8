"""The review pages' DOM contract, and the HTML that is built in Python rather than a template.

The contract is the element ids, classes, data-attributes and action names that the templates,
this module and static/review/review.js agree on. Each is named once, here (action names in
review.forms). Templates read them from the `dom` context variable (`{{ dom.ids.workspace }}`);
review.js reads the same dict from the JSON block templates/review/_assets.html emits
(`<script type="application/json" id="review-dom">`: data, which the CSP allows, not script).
Ids the script never looks up (help-title, span-editor, release-form, ...) stay literal in the
templates.

Built here: the highlighted text and the preview, sliced on the server and every slice escaped
on its own so markup in a ticket stays text; and the span list, in one pass, because the record
page's cost must not grow much with the number of spans (a template loop costs about five times
as much per row).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from anonymizer.engine.labels import info, is_implied
from anonymizer.engine.transform import TransformResult
from anonymizer.words import say
from review.forms import ACCEPT, ACTIONS, REJECT
from review.models import ReviewSpan, SpanStatus
from review.selectors import Mode, SpanRow


@dataclass(frozen=True)
class Ids:
    """Element ids the page script looks up, or that are built from a span's pk."""

    contract: str = "review-dom"  # the JSON block holding this contract
    workspace: str = "workspace"
    flash: str = "flash"
    record_text: str = "record-text"
    span_list: str = "span-list"
    editor_current: str = "editor-current"
    relabel_label: str = "relabel-label"
    adjust_start: str = "adjust-start"
    adjust_end: str = "adjust-end"
    add_form: str = "add-form"
    add_start: str = "add-start"
    add_end: str = "add-end"
    add_find: str = "add-find"
    add_label: str = "add-label"
    add_where: str = "add-where"
    accept_all_form: str = "accept-all-form"
    submit_form: str = "submit-form"
    escalate_note: str = "escalate-note"
    take_form: str = "take-form"
    officer_note: str = "officer-note"
    officer_return: str = "officer-return"
    officer_resolve: str = "officer-resolve"
    next_form: str = "next-form"
    next_button: str = "next-button"
    help_box: str = "help"
    help_open: str = "help-open"
    help_close: str = "help-close"
    mark_prefix: str = "m-"  # + span pk: the span's <mark> in the text
    row_prefix: str = "s-"  # + span pk: the span's row in the list


@dataclass(frozen=True)
class Classes:
    highlight: str = "hl"  # a span's <mark>
    segment: str = "seg"  # text between marks
    span_row: str = "span-row"
    decide: str = "decide"  # a span row's accept/reject form
    current: str = "current"  # the span in focus (its row and its mark)
    editor_span: str = "editor-span"  # hidden inputs that carry the span in focus
    busy: str = "busy"  # the workspace while the server answers
    saved: str = "saved"  # flash kinds
    refused: str = "refused"
    hint: str = "hint"
    empty: str = "empty"
    action_prefix: str = "act-"  # + action: a span row's decide buttons
    category_prefix: str = "cat-"  # + the label's category
    status_prefix: str = "st-"  # + the span's status
    operator_prefix: str = "op-"  # + operator: a replacement in the preview


@dataclass(frozen=True)
class Data:
    """data-* attributes, by their dataset key: the attribute is data-<key>."""

    span: str = "span"  # a span's pk, on its mark and its row
    offset: str = "o"  # a piece's offset in the text, in code points
    label: str = "label"
    start: str = "start"
    end: str = "end"
    status: str = "status"
    mode: str = "mode"  # on the workspace: a Mode
    version: str = "version"
    pending: str = "pending"
    saved: str = "saved"


IDS, CLASSES, DATA = Ids(), Classes(), Data()
# The whole contract: the templates' `dom` and, as JSON, review.js's.
DOM: dict[str, dict[str, str]] = {
    "ids": asdict(IDS),
    "classes": asdict(CLASSES),
    "data": asdict(DATA),
    "actions": {action: action for action in ACTIONS},
    "modes": {mode.name.lower(): mode.value for mode in Mode},
    "statuses": {status.name.lower(): status.value for status in SpanStatus},
}


def action_class(action: str) -> str:
    return f"{CLASSES.action_prefix}{action}"


# --- The highlighted text -----------------------------------------------------------------

_SEGMENT = f'<span class="{CLASSES.segment}" data-{DATA.offset}="{{offset}}">{{text}}</span>'
_MARK = (
    f'<mark class="{CLASSES.highlight} {CLASSES.category_prefix}{{category}} '
    f'{CLASSES.status_prefix}{{status}}" id="{IDS.mark_prefix}{{pk}}" data-{DATA.span}="{{pk}}" '
    f'data-{DATA.offset}="{{offset}}" data-{DATA.label}="{{label}}">{{text}}</mark>'
)


def highlight(text: str, spans: Sequence[ReviewSpan]) -> SafeString:
    """The text as HTML: each span a <mark> carrying its label; every piece escaped.

    The text is sliced on the server and each slice escaped on its own, so markup in a ticket
    stays text. `data-o` is the piece's offset in code points, which the page script uses to
    turn a selection into offsets. Labels are shown by CSS (`attr(data-label)`), so they are
    not part of the text a reader selects.

    Implied identifiers (QUASI_* phrases) are a layer over the detections: each phrase is a
    <mark> of class `implied` around the pieces it covers, detections inside it keeping their
    own marks ("the only nurse at the <mark>Leeds</mark> clinic").
    """
    layer = sorted((s for s in spans if is_implied(s.label)), key=lambda s: (s.start, -s.end))
    base = [s for s in spans if not is_implied(s.label)]
    out: list[str] = []
    cursor = 0
    for phrase in layer:
        start, end = _phrase_bounds(phrase, base, len(text))
        if start < cursor or end <= start:
            continue  # overlaps an earlier phrase: shown in the list only
        out.append(_pieces(text, base, cursor, start))
        out.append(_IMPLIED_OPEN.format(
            status=escape(phrase.status), pk=phrase.pk, offset=start,
            label=escape(phrase.label)))
        out.append(_pieces(text, base, start, end))
        out.append("</mark>")
        cursor = end
    out.append(_pieces(text, base, cursor, len(text)))
    return mark_safe("".join(out))  # noqa: S308 - every piece is escaped in _pieces


_IMPLIED_OPEN = (
    f'<mark class="{CLASSES.highlight} implied {CLASSES.category_prefix}quasi_identifier '
    f'{CLASSES.status_prefix}{{status}}" id="{IDS.mark_prefix}{{pk}}" '
    f'data-{DATA.span}="{{pk}}" data-{DATA.offset}="{{offset}}" data-{DATA.label}="{{label}}">'
)


def _phrase_bounds(phrase: ReviewSpan, base: Sequence[ReviewSpan], length: int) -> tuple[int, int]:
    """The phrase widened so that it never cuts a detection's mark in two."""
    start, end = max(0, phrase.start), min(phrase.end, length)
    for s in base:
        if s.start < start < s.end:
            start = s.start
        if s.start < end < s.end:
            end = s.end
    return start, end


def _pieces(text: str, spans: Sequence[ReviewSpan], lo: int, hi: int) -> str:
    """Segments and marks of text[lo:hi], each escaped on its own."""
    out: list[str] = []
    cursor = lo
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if span.end <= lo or span.start >= hi:
            continue
        start, end = max(span.start, cursor), min(span.end, hi)
        if end <= start:
            continue  # overlaps an earlier span (or past the end): shown in the list only
        if start > cursor:
            out.append(_SEGMENT.format(offset=cursor, text=escape(text[cursor:start])))
        out.append(
            _MARK.format(
                category=escape(info(span.label).category),
                status=escape(span.status),
                pk=span.pk,
                offset=start,
                label=escape(span.label),
                text=escape(text[start:end]),
            )
        )
        cursor = end
    if cursor < hi:
        out.append(_SEGMENT.format(offset=cursor, text=escape(text[cursor:hi])))
    return "".join(out)


# --- The span list ------------------------------------------------------------------------

_ROW = (
    f'<li class="{CLASSES.span_row} {CLASSES.status_prefix}{{status}}" '
    f'id="{IDS.row_prefix}{{pk}}" data-{DATA.span}="{{pk}}" data-{DATA.start}="{{start}}" '
    f'data-{DATA.end}="{{end}}" data-{DATA.label}="{{label}}" data-{DATA.status}="{{status}}">'
    f'<span class="badge {CLASSES.category_prefix}{{category}}" title="{{label}}">'
    '{words}</span> '
    '<q class="span-text">{text}</q> <span class="meta">{meta}</span>{form}</li>'
)
_DECIDE = (
    f'<form class="{CLASSES.decide}" method="post" action="{{url}}" hx-post="{{url}}">'
    '<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
    '<input type="hidden" name="version" value="{version}">'
    '<input type="hidden" name="span" value="{pk}">'
    f'<button type="submit" name="action" value="{ACCEPT}" class="{action_class(ACCEPT)}">'
    "Accept</button> "
    f'<button type="submit" name="action" value="{REJECT}" '
    f'class="secondary {action_class(REJECT)}">Reject</button></form>'
)
_NO_SPANS = f'<li class="{CLASSES.empty}">No spans were detected in this record.</li>'


def _meta(row: SpanRow) -> str:
    """Status, origin, score, recognizer and offsets, as one line of text."""
    span = row.span
    meta = [span.get_status_display()]
    if span.origin == ReviewSpan.Origin.ADDED:
        meta.append("added")
    if row.score is not None:
        meta.append(f"{row.score:.2f}")
    meta += [row.recognizer, f"{span.start}–{span.end}"]
    return " · ".join(meta)


def span_rows(
    rows: Sequence[SpanRow], *, act_url: str, version: int, csrf: str, can_act: bool
) -> SafeString:
    """The span list's items, each with its accept/reject form when the viewer may act. Every
    dynamic piece is escaped."""
    if not rows:
        return mark_safe(_NO_SPANS)  # noqa: S308 - a constant
    url, token = escape(act_url), escape(csrf)
    out = []
    for row in rows:
        s = row.span
        form = _DECIDE.format(url=url, token=token, version=version, pk=s.pk) if can_act else ""
        out.append(
            _ROW.format(
                status=escape(s.status),
                pk=s.pk,
                start=s.start,
                end=s.end,
                label=escape(s.label),
                words=escape(say("label", s.label)),
                category=escape(row.category),
                text=escape(row.text),
                meta=escape(_meta(row)),
                form=form,
            )
        )
    return mark_safe("".join(out))  # noqa: S308 - every piece above is escaped


# --- The preview --------------------------------------------------------------------------

_REPLACEMENT = (
    f'<ins class="{CLASSES.operator_prefix}{{operator}}" title="{{label}}: {{words}}">'
    "{text}</ins>"
)


def preview(result: TransformResult | None) -> SafeString | None:
    """The transformed text (review.selectors.preview) with each replacement in an <ins>
    naming its type and operator; None without a policy. Every piece is escaped."""
    if result is None:
        return None
    out: list[str] = []
    cursor = 0
    for change in result.changes:
        out.append(escape(result.text[cursor : change.new_start]))
        out.append(
            _REPLACEMENT.format(
                operator=escape(change.operator),
                label=escape(say("label", change.label)),
                words=escape(say("operator", change.operator)),
                text=escape(result.text[change.new_start : change.new_end]),
            )
        )
        cursor = change.new_end
    out.append(escape(result.text[cursor:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece above is escaped
