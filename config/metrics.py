"""Prometheus metrics at /metrics, and who may read them (also asked by /healthz for its
detail).

Where each number comes from (docs/deploy.md, "Metrics", says why):

- Request latency and counts: django-prometheus's middleware, per web process. Under gunicorn
  (several processes) prometheus_client's multiprocess mode sums them: scripts/run.sh and the
  systemd unit set PROMETHEUS_MULTIPROC_DIR to a directory emptied at each start, and
  deploy/gunicorn.conf.py tells it when a process exits.
- Review actions: REVIEW_ACTIONS, a Counter incremented by review.services when a decision is
  committed (always in a web process, so multiprocess mode covers it).
- Records detected: read from the database at scrape time (the detection chunks marked done),
  not counted in the rq worker: rq forks a work horse per job (one multiprocess file per job,
  without end), and workers may run on machines that serve no /metrics at all.
- Queue depths and workers alive: read from Redis at scrape time through anonymizer.queues,
  after a ping bounded like /healthz's, so a scrape never hangs on a dead Redis.

The database and Redis series are the same whole-installation figures on every web process:
aggregate them with max(), not sum().
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from collections.abc import Iterator

import prometheus_client
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest
from prometheus_client import CollectorRegistry, Counter, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from anonymizer import queues
from anonymizer.models import DetectionChunk
from config import health
from review.models import Decision

log = logging.getLogger(__name__)

REVIEW_ACTIONS = Counter(
    "veil_review_actions",
    "Review decisions committed by people (accept, reject, submit, escalate, ...), by action.",
    ["action"],
)

# Headers a reverse proxy adds: a request carrying one came through the proxy, whatever its
# REMOTE_ADDR (nginx on the same machine connects from 127.0.0.1).
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED")


def may_read_metrics(request: HttpRequest) -> bool:
    """A request with the right bearer token (VEIL_METRICS_TOKEN), or, with no token offered,
    one made directly from this machine (loopback, no proxy header) when
    VEIL_METRICS_ALLOW_LOOPBACK is on. A wrong token is refused, from anywhere."""
    offered = _bearer_token(request)
    if offered is not None:
        expected = settings.VEIL_METRICS_TOKEN
        return bool(expected) and hmac.compare_digest(offered.encode(), expected.encode())
    return settings.VEIL_METRICS_ALLOW_LOOPBACK and _direct_from_loopback(request)


def _bearer_token(request: HttpRequest) -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _direct_from_loopback(request: HttpRequest) -> bool:
    if any(request.META.get(header) for header in PROXY_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


class VeilCollector:
    """The installation's figures, read when Prometheus scrapes."""

    def collect(self) -> Iterator[Metric]:
        yield from _detection_metrics()
        yield from _redis_metrics()


def _detection_metrics() -> Iterator[Metric]:
    records = CounterMetricFamily(
        "veil_detection_records",
        "Records whose detection results were stored (all runs, read from the database).",
    )
    try:
        done = DetectionChunk.objects.filter(status=DetectionChunk.Status.DONE)
        total = done.aggregate(n=Sum("record_count"))["n"] or 0
    except Exception as exc:  # a scrape reports what it can; the database may be down
        log.warning("metrics: detection count unavailable (%s)", type(exc).__name__)
        return
    records.add_metric([], total)
    yield records


def _redis_metrics() -> Iterator[Metric]:
    up = GaugeMetricFamily("veil_redis_up", "1 if every rq queue's Redis answered a ping.")
    reachable = health.check_redis().ok
    up.add_metric([], 1 if reachable else 0)
    yield up
    if not reachable:
        return
    try:
        depths = queues.queue_depths()
        alive = queues.workers_alive()
    except Exception as exc:  # Redis went away between the ping and the reads
        log.warning("metrics: queue figures unavailable (%s)", type(exc).__name__)
        return
    depth = GaugeMetricFamily(
        "veil_queue_depth", "Jobs waiting on each rq queue.", labels=["queue"]
    )
    for name, count in depths.items():
        depth.add_metric([name], count)
    yield depth
    workers = GaugeMetricFamily(
        "veil_rq_workers_alive", "rq workers that sent a heartbeat within the grace period."
    )
    workers.add_metric([], len(alive))
    yield workers


def _process_registry() -> CollectorRegistry:
    """This process's metrics, or every web process's under multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return prometheus_client.REGISTRY


_VEIL_REGISTRY = CollectorRegistry(auto_describe=False)
_VEIL_REGISTRY.register(VeilCollector())


def exposition() -> bytes:
    """The text a scrape gets: the process metrics, then the installation's figures."""
    process = prometheus_client.generate_latest(_process_registry())
    return process + prometheus_client.generate_latest(_VEIL_REGISTRY)


# Every people's action has its series from the start, at 0 (auto-clear is the system's).
for _action in Decision.Action.values:
    if _action != Decision.Action.AUTO_CLEAR:
        REVIEW_ACTIONS.labels(action=_action)
