"""TEMPORARY: dumps rendered review pages to $SNAP_DIR for a before/after diff. Deleted after."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from review import services
from review.models import ReviewItem, ReviewSpan
from tests.review.factories import detect, make_batch

pytestmark = pytest.mark.django_db

OUT = Path(os.environ.get("SNAP_DIR", "/tmp/snap"))
HOSTILE = (
    'Hi <script>alert("x")</script> I am <img src=x onerror="alert(1)"> Jane Roe, '
    '<a href="javascript:alert(2)">click</a> mail jane@example.com 🙂 end'
)


def norm(body: str) -> str:
    body = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "UUID", body)
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value="T"', body)
    body = re.sub(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d)?[^\"<]*", "DATE", body)
    body = re.sub(r"until \d\d:\d\d", "until HH:MM", body)
    body = re.sub(r"\?v=[^\"]+|\.[0-9a-f]{12}\.(js|css)", "", body)
    return body


def dump(name: str, response: Any) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.html").write_text(norm(response.content.decode()))
    (OUT / f"{name}.headers").write_text(
        "\n".join(f"{k}: {v}" for k, v in sorted(response.items()) if k.startswith("HX"))
        + f"\nstatus {response.status_code}\n"
    )


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_snapshot(admin_user: Any, reviewer: Any, officer: Any, make_user: Any) -> None:
    from anonymizer.batches import services as batch_services
    from anonymizer.models import Policy
    from anonymizer.policies import services as policies

    batch = make_batch(admin_user, [reviewer], [HOSTILE, "no spans here", "third one here"])
    name, mail = HOSTILE.index("Jane Roe"), HOSTILE.index("jane@example.com")
    detect(
        batch,
        [
            ("high", [(name, name + 8, "PERSON", 0.7), (mail, mail + 16, "EMAIL_ADDRESS", 0.99),
                      (3, 11, "X<y>\"&", 0.5), (5, 9, "PERSON", 0.4)]),
            ("medium", []),
            ("medium", [(0, 5, "PERSON", 0.9)]),
        ],
    )
    c = client_for(reviewer)
    dump("home_before", c.get(reverse("review_home")))
    item = services.queue_next(reviewer=reviewer)
    url = reverse("review_record", args=[item.public_id])
    act = reverse("review_act", args=[item.public_id])
    hx = {"HTTP_HX_REQUEST": "true"}

    def v() -> int:
        return ReviewItem.objects.get(pk=item.pk).version

    dump("record_nopolicy", c.get(url))
    rules = {"rules": {"PERSON": {"operator": "pseudonymize"}}, "default": {"operator": "redact"}}
    policy = policies.policy_create(actor=officer, name="pseudo", rules=rules)
    policies.policy_submit(actor=officer, policy=policy)
    Policy.objects.filter(pk=policy.pk).update(status="approved", approved_at=timezone.now())
    dump("record_policy", c.get(url))
    dump("home_held", c.get(reverse("review_home")))
    first = ReviewSpan.objects.filter(item=item).order_by("start").first()
    dump("act_reject", c.post(act, {"action": "reject", "version": 0, "span": first.pk}, **hx))
    dump("act_stale", c.post(act, {"action": "accept", "version": 0, "span": first.pk}, **hx))
    dump("act_bad", c.post(act, {"action": "nope"}, **hx))
    dump("act_add", c.post(act, {"action": "add", "version": 1, "start": HOSTILE.index("end"),
                                 "end": len(HOSTILE), "label": "PERSON"}, **hx))
    dump("act_relabel", c.post(act, {"action": "relabel", "version": 2, "span": first.pk,
                                     "label": "EMAIL_ADDRESS"}, **hx))
    dump("act_nonhx", c.post(act, {"action": "accept", "version": 3, "span": first.pk}))
    other = make_user("rob_reviewer", "reviewer")
    batch_services.batch_assign_reviewers(actor=admin_user, batch=batch, reviewers=[reviewer, other])
    dump("record_other", client_for(other).get(url))
    dump("act_escalate", c.post(act, {"action": "escalate", "version": v(), "note": "look <b>"}, **hx))
    o = client_for(officer)
    dump("escalations", o.get(reverse("escalation_list")))
    dump("record_officer_read", o.get(url))
    dump("act_take", o.post(act, {"action": "take"}, **hx))
    dump("record_officer", o.get(url))
    dump("act_officer_accept_all", o.post(act, {"action": "accept_all", "version": v()}, **hx))
    dump("act_resolve", o.post(act, {"action": "resolve", "version": v(), "note": "ok"}, **hx))
    dump("record_done", c.get(url))
    nxt = services.queue_next(reviewer=reviewer)
    dump("record_next", c.get(reverse("review_record", args=[nxt.public_id])))
