"""Concurrency under load: --reviewers simulated reviewers (default 20) work one batch at the
same time over HTTP against the real web server for --duration seconds (default 300).

Starts its own PostgreSQL and Redis (scripts/with-test-services.sh) unless DATABASE_URL is set,
seeds a batch of --records detected records (high and medium tier, a few spans each) and the
reviewer users, starts the web server the project serves with (gunicorn, as `make run` does;
`--server runserver` for Django's) on a free loopback port, and logs each reviewer in over
HTTP (login form, CSRF token, session cookie). Each reviewer then loops as the browser does:
"Start reviewing" (POST review/next/), open the record, accept / reject / change the type of
each span (htmx posts to the record's act/ URL with the version shown), then submit (now and
then: release it back to the queue).

Then it checks the database: every action the client saw succeed is stored as its Decision
(lost_decisions), no record was held by two reviewers at once (double_leases: from the Decision
history, and from the reviewers' own hold intervals), each item's version equals its number of
decisions (version_gaps); and the latency of the actions (p95).
    .venv/bin/python benchmarks/reviewers.py --duration 60
Last line: one JSON object with "decisions", "lost_decisions", "double_leases", "action_p95_ms".
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from _common import DATA_CLASS, PURPOSE
from _django import ROOT, setup
from _review_load_checks import (
    double_leases_in_history,
    lost_decisions,
    overlapping_holds,
    version_gaps,
)

PASSWORD = "bench-reviewer-password-7Qx"
LABELS = ("PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "ORDER_ID", "STREET_ADDRESS")
WORDS = ("order", "parcel", "refund", "account", "delivery", "invoice", "ticket", "address")
VERSION_RE = re.compile(r'id="workspace"[^>]*data-version="(\d+)"')
ROW_RE = re.compile(r'<li class="span-row[^"]*" id="s-(\d+)"[^>]*data-label="([A-Z_]+)"')
TIMEOUT = 15  # seconds, per request


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


# --- Seeding ------------------------------------------------------------------------------


def make_text(rng: random.Random, spans: int) -> tuple[str, list[tuple[int, int, str, float]]]:
    words = [rng.choice(WORDS) for _ in range(spans * 3 + 4)]
    text = " ".join(words)
    found, pos = [], 0
    for i, word in enumerate(words):
        if i % 3 == 1 and len(found) < spans:
            found.append((pos, pos + len(word), LABELS[i % len(LABELS)], rng.uniform(0.3, 0.95)))
        pos += len(word) + 1
    return text, found


def seed(records: int, reviewers: int, rng: random.Random) -> tuple[Any, list[str]]:
    """A batch imported as an upload is, a finished detection run with the planned spans and
    tiers written straight in, the review queue built, and the reviewers assigned."""
    # After _django.setup(): it puts the project on sys.path and configures Django.
    from django.utils import timezone

    # Veil's own modules, likewise: importable only after _django.setup().
    from anonymizer.batches import services
    from anonymizer.models import DetectedSpan, DetectionRun, Record, RiskAssessment
    from anonymizer.rulesets.selectors import ruleset_active
    from review.queue import queue_prepare_for_run

    tag = secrets.token_hex(3)
    make = services.user_create_with_role
    admin = make(username=f"load_admin_{tag}", password=PASSWORD, role="admin")
    users = [
        make(username=f"load_rev_{tag}_{i:02d}", password=PASSWORD, role="reviewer")
        for i in range(reviewers)
    ]
    plans = [make_text(rng, rng.randint(2, 5)) for _ in range(records)]
    data = "\n".join(text for text, _ in plans).encode() + b"\n"
    batch = services.batch_import(
        actor=admin, data=data, name=f"load {tag}", data_class=DATA_CLASS, purpose=PURPOSE,
        source_format="text_lines",
    )  # fmt: skip
    ruleset = ruleset_active()
    run = DetectionRun.objects.create(
        batch=batch, ruleset=ruleset, status=DetectionRun.Status.DONE, chunk_size=records,
        chunk_count=1, record_count=records, finished_at=timezone.now(),
    )  # fmt: skip
    rows = list(Record.objects.filter(batch=batch).order_by("position"))
    Record.objects.filter(batch=batch).update(status=Record.Status.NEEDS_REVIEW)
    DetectedSpan.objects.bulk_create(
        DetectedSpan(record=record, run=run, start=s, end=e, label=label, score=score,
                     recognizer="load", ruleset_version=ruleset.version)
        for record, (_, found) in zip(rows, plans, strict=True)
        for s, e, label, score in found
    )  # fmt: skip
    RiskAssessment.objects.bulk_create(
        RiskAssessment(record=record, run=run, tier=("high", "medium")[i % 2], triggers=[],
                       min_score=min(f[3] for f in found), span_count=len(found),
                       ruleset_version=ruleset.version)
        for i, (record, (_, found)) in enumerate(zip(rows, plans, strict=True))
    )  # fmt: skip
    type(batch).objects.filter(pk=batch.pk).update(current_run=run)
    queue_prepare_for_run(run_id=run.pk)
    services.batch_assign_reviewers(actor=admin, batch=batch, reviewers=users)
    return batch, [u.username for u in users]


# --- The web server -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_command(kind: str, port: int, workers: int) -> list[str]:
    """The web server: gunicorn (WSGI workers that keep their database connections), or the
    project's `manage.py runserver` (one process, a thread and a new connection per request)."""
    if kind == "runserver":
        return [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    return [
        gunicorn, "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--worker-class", "gthread", "--threads", "4",
        "--timeout", "60", "--keep-alive", "75", "--preload",
    ]  # fmt: skip


def start_server(command: list[str], port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "VEIL_DEV": "1",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    env.pop("DEBUG", None)
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"The web server exited; see {log}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz/?scope=web", timeout=2).ok:
                return server
        except requests.RequestException:  # not listening yet, or still loading the app
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("The web server did not answer within 60 s.")


# --- One simulated reviewer ---------------------------------------------------------------


@dataclass
class Seen:
    """What one reviewer saw: the actions that succeeded, its holds, the latencies."""

    ok: list[tuple[str, str, str, int]] = field(default_factory=list)  # item, user, action, ver
    holds: list[tuple[str, str, float, float]] = field(default_factory=list)  # item, user, t0, t1
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    refused: int = 0
    errors: list[str] = field(default_factory=list)


class Reviewer(threading.Thread):
    def __init__(self, base: str, username: str, think: float, rng_seed: int):
        super().__init__(name=username, daemon=True)
        self.base, self.username, self.think = base, username, think
        self.deadline = 0.0  # set when the load starts
        self.rng = random.Random(rng_seed)
        self.http = requests.Session()
        self.seen = Seen()

    def csrf(self) -> dict[str, str]:
        return {"X-CSRFToken": self.http.cookies.get("csrftoken", "")}

    def login(self) -> None:
        self.http.get(f"{self.base}/accounts/login/", timeout=TIMEOUT)
        data = {"username": self.username, "password": PASSWORD, "next": "/review/"}
        response = self.http.post(
            f"{self.base}/accounts/login/", data, headers=self.csrf(), timeout=TIMEOUT
        )
        if "sessionid" not in self.http.cookies:
            raise RuntimeError(f"{self.username} could not log in ({response.status_code})")

    def timed(self, kind: str, method: str, url: str, **kw: Any) -> requests.Response:
        t = time.perf_counter()
        response = self.http.request(method, url, timeout=TIMEOUT, allow_redirects=False, **kw)
        self.seen.times[kind].append((time.perf_counter() - t) * 1000)
        return response

    def run(self) -> None:
        try:
            while time.monotonic() < self.deadline and self.review_one():
                pass
        except Exception as exc:  # reported in the summary; the other reviewers go on
            self.seen.errors.append(f"{self.username}: {type(exc).__name__}: {exc}")

    def review_one(self) -> bool:
        """Lease the next record and work it through; False when the queue is empty."""
        response = self.timed("next", "POST", f"{self.base}/review/next/", headers=self.csrf())
        where = response.headers.get("Location", "")
        if response.status_code != 302 or "/review/records/" not in where:
            return False
        held_from = time.monotonic()
        item = where.rstrip("/").split("/")[-1]
        page = self.timed("page", "GET", f"{self.base}{where}")
        version = int(VERSION_RE.search(page.text).group(1))
        for span, label in ROW_RE.findall(page.text):
            version = self.act(item, version, self.span_step(span, label))
            if version is None:
                return True  # refused: the lease or version moved on; take the next record
        final = "release" if self.rng.random() < 0.05 else "submit"
        held_to = time.monotonic()
        if self.act(item, version, {"action": final}) is not None:
            self.seen.holds.append((item, self.username, held_from, held_to))
        return True

    def span_step(self, span: str, label: str) -> dict[str, str]:
        roll = self.rng.random()
        if roll < 0.7:
            return {"action": "accept", "span": span}
        if roll < 0.9:
            return {"action": "reject", "span": span}
        other = self.rng.choice([x for x in LABELS if x != label])
        return {"action": "relabel", "span": span, "label": other}

    def act(self, item: str, version: int, data: dict[str, str]) -> int | None:
        """One htmx post; the item's version afterwards, or None if it was refused."""
        if self.think:
            time.sleep(self.rng.uniform(0, 2 * self.think))
        headers = {**self.csrf(), "HX-Request": "true"}
        url = f"{self.base}/review/records/{item}/act/"
        response = self.timed(
            "action", "POST", url, data={**data, "version": version}, headers=headers
        )
        if response.status_code != 200:
            self.seen.refused += 1
            return None
        if "HX-Redirect" in response.headers:  # submit / release: the record is done with
            self.seen.ok.append((item, self.username, data["action"], version + 1))
            return version + 1
        after = int(VERSION_RE.search(response.text).group(1))
        if after != version:
            self.seen.ok.append((item, self.username, data["action"], after))
        return after


# --- Main ---------------------------------------------------------------------------------


def run_reviewers(base: str, users: list[str], args: argparse.Namespace) -> list[Reviewer]:
    """Log every reviewer in (one after the other, before the clock starts), then let them all
    work at once for the duration."""
    crowd = [
        Reviewer(base, name, args.think_ms / 1000, args.seed * 1000 + i)
        for i, name in enumerate(users)
    ]
    for reviewer in crowd:
        reviewer.login()
    deadline = time.monotonic() + args.duration
    for reviewer in crowd:
        reviewer.deadline = deadline
        reviewer.start()
    for reviewer in crowd:
        reviewer.join(timeout=args.duration + 4 * TIMEOUT)
    return crowd


def summary(args: argparse.Namespace, batch: Any, crowd: list[Reviewer]) -> dict[str, Any]:
    seen = [row for r in crowd for row in r.seen.ok]
    holds = [h for r in crowd for h in r.seen.holds]
    times: dict[str, list[float]] = defaultdict(list)
    for reviewer in crowd:
        for kind, values in reviewer.seen.times.items():
            times[kind] += values
    doubled = double_leases_in_history(batch) | overlapping_holds(holds)
    errors = [e for r in crowd for e in r.seen.errors]
    for error in errors[:5]:
        print("error:", error)
    return {
        "reviewers": args.reviewers,
        "duration_s": args.duration,
        "think_ms": args.think_ms,
        "server": args.server,
        "records_done": sum(1 for row in seen if row[2] == "submit"),
        "refused": sum(r.seen.refused for r in crowd),
        "errors": len(errors),
        "version_gaps": version_gaps(batch),
        "next_p95_ms": round(percentile(times["next"], 0.95), 1),
        "page_p95_ms": round(percentile(times["page"], 0.95), 1),
        "action_p50_ms": round(percentile(times["action"], 0.5), 1),
        "actions_per_s": round(len(times["action"]) / args.duration, 1),
        "decisions": len(seen),
        "lost_decisions": lost_decisions(seen),
        "double_leases": len(doubled),
        "action_p95_ms": round(percentile(times["action"], 0.95), 1),
    }


def with_services() -> None:
    """Run this script again inside a throwaway PostgreSQL and Redis."""
    script = str(ROOT / "scripts" / "with-test-services.sh")
    os.execv(script, [script, sys.executable, str(Path(__file__).resolve()), *sys.argv[1:]])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=300.0, help="seconds of load")
    parser.add_argument("--reviewers", type=int, default=20)
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument(
        "--think-ms", type=float, default=1000.0, help="a reviewer's mean pause before an action"
    )
    parser.add_argument(
        "--server",
        choices=["runserver", "gunicorn"],
        default="gunicorn",
        help="what the project serves with today, or gunicorn (needs `pip install gunicorn`)",
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                        help="gunicorn worker processes (default: one per core, as make run)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        with_services()
    setup()
    batch, users = seed(args.records, args.reviewers, random.Random(args.seed))
    print(f"seeded {args.records} records for {len(users)} reviewers", flush=True)
    with tempfile.TemporaryDirectory(prefix="veil-load-") as tmp:
        port = free_port()
        command = server_command(args.server, port, args.workers)
        server = start_server(command, port, Path(tmp) / "server.log")
        try:
            crowd = run_reviewers(f"http://127.0.0.1:{port}", users, args)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(json.dumps(summary(args, batch, crowd)))


if __name__ == "__main__":
    main()
