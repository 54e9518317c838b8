"""The sweep's schedule, for rq's cron scheduler: `manage.py rqcron anonymizer.detection.cron`
(django-rq's command for rq.cron.CronScheduler, which ships with the installed rq). Every
VEIL_SWEEP_SECONDS it queues `manage.py sweep` on the default queue, for any worker to run;
a sweep left waiting longer than one period is dropped (the next one does the same work)."""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from rq import cron

SWEEP_SECONDS = int(getattr(settings, "VEIL_SWEEP_SECONDS", 60))

cron.register(
    call_command,
    "default",
    args=("sweep",),
    interval=SWEEP_SECONDS,
    ttl=SWEEP_SECONDS,
    job_timeout=max(SWEEP_SECONDS, 300),
    result_ttl=10 * SWEEP_SECONDS,
    name="veil-sweep",
)
