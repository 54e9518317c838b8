"""Reviewer and officer pages. Permissions: review_home and review_next need a login (the queue
is the batches the user may review); the record page and its actions need `review` on the
record's batch or the privacy officer role (404 without view, 403 with view only); the
escalation list needs the privacy officer role."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from anonymizer import permissions
from review import actions, rendering, selectors, services
from review.forms import (
    ACCEPT,
    ACCEPT_ALL,
    ADD,
    ADJUST,
    COMMENT,
    ESCALATE,
    OFFICER_ACTIONS,
    REJECT,
    RELABEL,
    RELEASE,
    RESOLVE,
    RETURN,
    SUBMIT,
    TAKE,
    ActionForm,
)
from review.models import ReviewItem

ESCALATIONS_PER_PAGE = 50


@require_GET
def review_home(request: HttpRequest) -> HttpResponse:
    context = {
        "queues": selectors.reviewer_queues(request.user),
        "held": selectors.held_item(request.user),
        "is_officer": permissions.is_officer(request.user),
        "dom": rendering.DOM,
    }
    return render(request, "review/home.html", context)


BATCH_CHOICE = "review_batch"  # session key: the batch the reviewer chose to work on, if any


@require_POST
def review_next(request: HttpRequest) -> HttpResponse:
    """The next record: of one batch when the form names it (and on, record after record, in
    that batch until the reviewer starts again from all their batches), else of any."""
    public_id = request.POST.get("batch", "").strip()
    batch_id = None
    if public_id:
        batch_id = permissions.batch_for_user(request.user, public_id, permissions.REVIEW).pk
        request.session[BATCH_CHOICE] = batch_id
    else:
        request.session.pop(BATCH_CHOICE, None)
    item = services.queue_next(reviewer=request.user, batch_id=batch_id)
    if item is None:
        where = "this batch" if batch_id else "your batches"
        messages.info(request, f"Nothing is waiting for review in {where}.")
        return redirect("review_home")
    return redirect("review_record", public_id=item.public_id)


def _item_for_user(user: Any, public_id: UUID) -> tuple[ReviewItem, bool]:
    """The item and whether the user acts on it as an officer (404 / 403 otherwise)."""
    item = selectors.item_with_record(public_id)
    if item is None:
        raise Http404("No such record.")
    return item, permissions.review_access(user, item.batch)


@require_GET
def review_record(request: HttpRequest, public_id: UUID) -> HttpResponse:
    item, officer = _item_for_user(request.user, public_id)
    return render(request, "review/record.html", _workspace(request, item, officer))


def _workspace(request: HttpRequest, item: ReviewItem, officer: bool) -> dict[str, Any]:
    # After an action only the workspace is sent back: the risk panel is not part of it.
    full = not request.htmx
    page = selectors.record_page(item, user=request.user, is_officer=officer, with_risk=full)
    rows = rendering.span_rows(
        page.rows,
        act_url=reverse("review_act", args=[item.public_id]),
        version=item.version,
        csrf=get_token(request),
        can_act=page.can_act,
    )
    return {
        "page": page,
        "item": item,
        "dom": rendering.DOM,
        "highlighted": rendering.highlight(item.record.text, page.spans),
        "preview": rendering.preview(page.preview),
        "span_rows": rows,
        "note_max": services.NOTE_MAX,
    }


@require_GET
def escalation_list(request: HttpRequest) -> HttpResponse:
    if not permissions.is_officer(request.user):
        raise PermissionDenied("Only privacy officers resolve escalations.")
    filters = selectors.escalation_filters(request.GET)
    items = selectors.escalations_listed(request.user, filters)
    pks = items.values_list("pk", flat=True)
    page = Paginator(pks, ESCALATIONS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "escalations": selectors.escalation_rows(items, list(page.object_list)),
        "filters": filters,
        "query": query.urlencode(),
        "statuses": selectors.EscalationStatus.choices,
        "sorts": selectors.ESCALATION_SORTS,
        "reviewers": selectors.reviewers_all(),
    }
    return render(request, "review/escalations.html", context)


# Where the user goes after an action that ends their work on the record.
LEAVING = {SUBMIT, ESCALATE, RELEASE, TAKE, RETURN, RESOLVE}
SAVED = {
    ACCEPT: "span accepted",
    REJECT: "span rejected",
    RELABEL: "type changed",
    ADJUST: "bounds changed",
    ADD: "span added",
    ACCEPT_ALL: "all remaining spans accepted",
    COMMENT: "comment added",
}
DONE_MESSAGES = {
    SUBMIT: "Record {id} submitted.",
    ESCALATE: "Record {id} escalated to a privacy officer.",
    RELEASE: "Record {id} released back to the queue.",
    RETURN: "Record {id} returned to the reviewer.",
    RESOLVE: "Record {id} marked reviewed.",
}


@require_POST
def review_act(request: HttpRequest, public_id: UUID) -> HttpResponse:
    item, officer = _item_for_user(request.user, public_id)
    form = ActionForm(request.POST)
    if not form.is_valid():
        return _refused(request, item, "That request was incomplete: reload the page.", 400)
    action, data = form.cleaned_data["action"], form.cleaned_data
    if action in OFFICER_ACTIONS and not officer:
        raise PermissionDenied("Only privacy officers resolve escalations.")
    if action != TAKE and data["version"] is None:
        return _refused(request, item, "That request was incomplete: reload the page.", 400)
    try:
        done = actions.perform(action, actor=request.user, item=item, data=data)
    except services.ReviewError as exc:
        return _refused(request, item, str(exc), exc.status)
    # The service's transaction has committed: only now does the page show the action done.
    if action in LEAVING:
        return _leave(request, item, action)
    if not request.htmx:
        return redirect("review_record", public_id=item.public_id)
    context = {**_workspace(request, done, officer), "saved": SAVED.get(action, action)}
    return render(request, "review/_workspace.html", context)


def _leave(request: HttpRequest, item: ReviewItem, action: str) -> HttpResponse:
    if action in DONE_MESSAGES:
        messages.success(request, DONE_MESSAGES[action].format(id=item.record.external_id))
    if action == TAKE:
        url = reverse("review_record", args=[item.public_id])
    elif action in (RETURN, RESOLVE):
        url = reverse("escalation_list")
    elif action == RELEASE:
        url = reverse("review_home")
    else:  # submit, escalate: straight on to the next record, Prodigy-style
        chosen = request.session.get(BATCH_CHOICE)
        following = services.queue_next(reviewer=request.user, batch_id=chosen)
        url = (
            reverse("review_record", args=[following.public_id])
            if following
            else reverse("review_home")
        )
        if following is None:
            where = "this batch" if chosen else "your batches"
            messages.info(request, f"That was the last record waiting in {where}.")
    if request.htmx:
        return HttpResponse(status=200, headers={"HX-Redirect": url})
    return redirect(url)


def _refused(request: HttpRequest, item: ReviewItem, message: str, status: int) -> HttpResponse:
    if request.htmx:
        context = {"message": message, "item": item, "status": status, "dom": rendering.DOM}
        response = render(request, "review/_refused.html", context, status=status)
        response["HX-Retarget"] = f"#{rendering.IDS.flash}"
        response["HX-Reswap"] = "innerHTML"
        return response
    messages.error(request, message)
    return redirect("review_record", public_id=item.public_id)
